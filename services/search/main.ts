import { serve } from "@colink/runtime";
import { searchService } from "./app.ts";

await serve({ name: "search", services: [searchService] });
