import { serve } from "@colink/runtime";
import { filesService } from "./app.ts";

await serve({ name: "files", services: [filesService] });
