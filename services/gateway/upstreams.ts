import { remoteServices, upstreamEnvVar } from "@colink/runtime";
import { gatewayService } from "./app.ts";
import { SERVICES } from "./registry.ts";

/**
 * The upstream URL settings the distributed gateway reads: one per service that owns paths
 * (derived from the registry). deploy/ci/validate_deploy.sh checks that the Kubernetes overlays
 * and docker-compose.yml set each of them.
 */
export const UPSTREAM_ENV_VARS: readonly string[] = remoteServices(SERVICES, [gatewayService])
  .map((s) => upstreamEnvVar(s.name));
