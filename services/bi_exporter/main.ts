import { serve } from "@colink/runtime";
import { biExporterService } from "./app.ts";

await serve({ name: "bi-exporter", services: [biExporterService] });
