import { serve } from "@colink/runtime";
import { channelsService } from "./app.ts";

await serve({ name: "channels", services: [channelsService] });
