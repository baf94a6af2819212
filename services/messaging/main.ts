import { serve } from "@colink/runtime";
import { messagingService } from "./app.ts";

await serve({ name: "messaging", services: [messagingService] });
