import type { PrincipalResolver } from "@colink/auth";
import type { ChatDeps } from "@colink/conversations";
import type { Logger } from "@colink/http";
import type { DocumentStore, KeyValue } from "@colink/platform";
import type { IdentityAdmin } from "./keycloak.ts";

/** What the admin actions run on. */
export interface AdminDeps {
  chat: ChatDeps;
  /** To forget a banned user's cached principal on every instance. */
  principals: PrincipalResolver;
  /** Where browser sessions live (a ban ends them). */
  kv: KeyValue;
  /** The seed's admin audit blobs (MongoDB `admin_audit`). */
  docs: DocumentStore;
  /** Keycloak, when admin credentials are configured. */
  identity?: IdentityAdmin;
  logger: Logger;
}
