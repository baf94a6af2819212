import { serve } from "@colink/runtime";
import { realtimeService } from "./app.ts";

await serve({ name: "realtime", services: [realtimeService] });
