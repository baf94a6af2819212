export {
  createTokenVerifier,
  type Identity,
  InvalidTokenError,
  KeysUnavailableError,
  remoteKeys,
  type RemoteKeysOptions,
  type TokenVerifier,
  type TokenVerifierOptions,
} from "./verifier.ts";
export {
  createPrincipalResolver,
  type Principal,
  type PrincipalResolver,
  type PrincipalResolverOptions,
} from "./principal.ts";
export { cachingVerifier } from "./token_cache.ts";
export {
  type AuthOptions,
  bearerToken,
  requestToken,
  requireAuth,
  verifyRequestToken,
} from "./middleware.ts";
export {
  authorize,
  can,
  type ChannelRole,
  isGuest,
  loadRoles,
  type Permission,
  type RoleContext,
  type WorkspaceRole,
} from "./rbac.ts";
export { timingSafeEqual } from "./timing_safe_equal.ts";
export { revokeSessionsInKv, sessionKey, sessionRevokedKey } from "./session_revocation.ts";
