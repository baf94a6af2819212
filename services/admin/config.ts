import { z } from "zod";

const optional = z.string().min(1).optional();

/**
 * The admin service's settings. With Keycloak admin credentials, a ban also disables the user in
 * Keycloak (and signs them out of it); without them the ban holds in CoLink alone.
 */
export const AdminConfig = z.object({
  /** Keycloak's base URL for its admin REST API, e.g. https://sso.example.com. */
  KEYCLOAK_ADMIN_URL: z.url().optional(),
  /** The realm the admin credentials belong to (the master realm, or the users' own realm). */
  KEYCLOAK_ADMIN_REALM: z.string().min(1).default("master"),
  KEYCLOAK_ADMIN_CLIENT_ID: z.string().min(1).default("admin-cli"),
  /** A confidential client with the realm-management manage-users role (preferred). */
  KEYCLOAK_ADMIN_CLIENT_SECRET: optional,
  /** Or an admin user's password grant (development). */
  KEYCLOAK_ADMIN_USERNAME: optional,
  KEYCLOAK_ADMIN_PASSWORD: optional,
  /** How often expired bans are lifted and the audit log is copied to the document store. */
  ADMIN_SWEEP_INTERVAL_SEC: z.coerce.number().positive().default(2),
});
export type AdminConfig = z.infer<typeof AdminConfig>;
