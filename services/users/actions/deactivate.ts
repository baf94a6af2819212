import type { PrincipalResolver } from "@colink/auth";
import type { Sql } from "@colink/platform";

export interface DeactivateDeps {
  sql: Sql;
  principals: PrincipalResolver;
}

/**
 * Deactivates an account: the row is marked and its browser sessions revoked in one
 * transaction, then every instance forgets the cached principal, so the user's next request,
 * on any instance, is refused (403 account_deactivated) within moments rather than after the
 * cache's 5 minutes. Moderation's ban builds on this.
 */
export async function deactivateUser(d: DeactivateDeps, userId: string): Promise<void> {
  await d.sql.transaction(async (tx) => {
    await tx.query(
      "update users set deactivated_at = now(), updated_at = now() where id = $1 and deactivated_at is null",
      [userId],
    );
    await tx.query(
      "update sessions set revoked_at = now() where user_id = $1 and revoked_at is null",
      [userId],
    );
  });
  await d.principals.invalidate(userId);
}
