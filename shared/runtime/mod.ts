export { defineService, type ServiceDefinition, type ServiceDeps } from "./service.ts";
export { assemble, type Process, type ProcessPlan, RuntimeEnv, serve } from "./run.ts";
export {
  createRouteTable,
  type OwnedPath,
  remoteServices,
  type RouteMatch,
  type RouteTable,
  upstreamEnvVar,
} from "./route_table.ts";
export { progressBar } from "./progress.ts";
