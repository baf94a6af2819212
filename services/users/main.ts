import { serve } from "@colink/runtime";
import { usersService } from "./app.ts";

await serve({ name: "users", services: [usersService] });
