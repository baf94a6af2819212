export {
  createTokenVerifier,
  type Identity,
  InvalidTokenError,
  remoteKeys,
  type TokenVerifier,
  type TokenVerifierOptions,
} from "./verifier.ts";
export { createPrincipalResolver, type Principal, type PrincipalResolver } from "./principal.ts";
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
  loadRoles,
  type Permission,
  type RoleContext,
  type WorkspaceRole,
} from "./rbac.ts";
export { timingSafeEqual } from "./timing_safe_equal.ts";
