export * from "./errors.ts";
export { createLogger, type Logger, type LogLevel, silentLogger } from "./logger.ts";
export { createHttpMetrics, type HttpMetrics } from "./metrics.ts";
export { requestId } from "./request_id.ts";
export {
  createServiceApp,
  type ReadinessCheck,
  type ServiceApp,
  type ServiceAppOptions,
} from "./service_app.ts";
export {
  bearerSecurity,
  commonErrors,
  conflictResponse,
  forbiddenResponse,
  jsonContent,
  notFoundResponse,
  tooLargeResponse,
} from "./openapi.ts";
