import { serve } from "@colink/runtime";
import { adminService } from "./app.ts";

await serve({ name: "admin", services: [adminService] });
