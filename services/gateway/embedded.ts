import type { ServiceDefinition } from "@colink/runtime";
import { adminService } from "@colink/svc-admin";
import { biExporterService } from "@colink/svc-bi-exporter";
import { channelsService } from "@colink/svc-channels";
import { filesService } from "@colink/svc-files";
import { messagingService } from "@colink/svc-messaging";
import { presenceService } from "@colink/svc-presence";
import { realtimeService } from "@colink/svc-realtime";
import { searchService } from "@colink/svc-search";
import { usersService } from "@colink/svc-users";
import { gatewayService } from "./app.ts";

/** Every service, mounted in one process in embedded mode (`deno task dev`). */
export const ALL_SERVICES: readonly ServiceDefinition[] = [
  gatewayService,
  usersService,
  channelsService,
  messagingService,
  realtimeService,
  presenceService,
  filesService,
  searchService,
  adminService,
  biExporterService,
] as ServiceDefinition[];
