import { serve } from "@colink/runtime";
import { presenceService } from "./app.ts";

await serve({ name: "presence", services: [presenceService] });
