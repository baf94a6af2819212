import { can, type Permission, type Principal } from "@colink/auth";
import { forbidden } from "@colink/http";

/**
 * Admin routes decide on realm roles alone (the token's `admin`, `moderator`), through the same
 * rules as everything else (shared/auth/rbac.ts).
 */
export function requireRealmPermission(p: Principal, permission: Permission): void {
  const roles = { realmRoles: p.realmRoles, workspaceRole: null, channelRole: null };
  if (!can(roles, permission)) {
    const who = permission === "audit.read" ? "realm role admin" : "realm role admin or moderator";
    throw forbidden("forbidden", `Not allowed: ${permission} (${who})`);
  }
}
