/**
 * The upstream URL settings the distributed gateway reads, one per service it routes to
 * (derived from the service registry; see services/gateway/services.ts).
 */
export const UPSTREAM_ENV_VARS: readonly string[] = [
  "USERS_URL",
  "CHANNELS_URL",
  "MESSAGING_URL",
  "PRESENCE_URL",
  "FILES_URL",
  "SEARCH_URL",
  "ADMIN_URL",
  "REALTIME_URL",
];
