/** bench:search's API process: the gateway with the services a send needs; search elsewhere. */
import { serve } from "@colink/runtime";
import { channelsService } from "@colink/svc-channels";
import { messagingService } from "@colink/svc-messaging";
import { searchService } from "@colink/svc-search";
import { usersService } from "@colink/svc-users";
import { gatewayService } from "../../services/gateway/app.ts";

const services = [gatewayService, usersService, channelsService, messagingService];
await serve({ name: "bench-api", services, registry: [...services, searchService] });
