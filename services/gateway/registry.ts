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

/**
 * Every CoLink service: the one list. Embedded mode mounts them all in one process; the
 * distributed gateway routes to each by the paths it declares, at its `<NAME>_URL`. Adding a
 * service is its folder plus one entry here.
 */
export const SERVICES: readonly ServiceDefinition[] = [
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
