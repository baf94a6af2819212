import { loadMigrations, type Migration } from "@colink/platform";

export {
  DEV_CHANNEL,
  DEV_PASSWORD,
  DEV_TOTP_SECRET,
  DEV_USERS,
  DEV_WORKSPACE,
  type DevUser,
  seedDevData,
} from "./dev_seed.ts";

/** CoLink's schema migrations, in order (files under ./migrations, applied by migrate()). */
export function colinkMigrations(): Promise<Migration[]> {
  return loadMigrations(new URL("./migrations/", import.meta.url));
}
