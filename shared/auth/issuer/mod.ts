import { DEV_PASSWORD, DEV_TOTP_SECRET, DEV_USERS } from "@colink/db";
import { hashPassword } from "./directory.ts";
import type { EmbeddedIssuer, IssuerClient } from "./app.ts";

export {
  createEmbeddedIssuer,
  type EmbeddedIssuer,
  type EmbeddedIssuerOptions,
  type IssuerClient,
} from "./app.ts";
export { hashPassword, totpFor, totpValid, verifyPassword } from "./directory.ts";

/** The clients of the dev realm, as in deploy/keycloak/colink-realm.json. */
export function devClients(publicUrl: string): IssuerClient[] {
  const origin = publicUrl.replace(/\/$/, "");
  return [
    {
      clientId: "colink-web",
      secret: "colink-web-dev-secret",
      redirectUris: [`${origin}/*`, "http://localhost:8000/*", "http://127.0.0.1:8000/*"],
      standardFlow: true,
      directGrant: false,
      pkceRequired: true,
    },
    {
      clientId: "colink-cli",
      redirectUris: [],
      standardFlow: false,
      directGrant: true,
      pkceRequired: false,
    },
  ];
}

/** Seeds the dev users (password colink-dev; dave with TOTP) into the issuer's directory. */
export async function seedDevIdentities(issuer: EmbeddedIssuer): Promise<void> {
  const hash = await hashPassword(DEV_PASSWORD, 50_000);
  for (const u of DEV_USERS) {
    const [given, ...family] = u.display_name.split(" ");
    await issuer.directory.upsert({
      sub: u.sub,
      username: u.username,
      email: u.email,
      name: u.display_name,
      given_name: given ?? u.display_name,
      family_name: family.join(" "),
      realm_roles: [
        "default-roles-colink",
        "offline_access",
        "uma_authorization",
        ...u.realm_roles,
      ],
      password_hash: hash,
      ...(u.username === "dave" ? { totp_secret: DEV_TOTP_SECRET } : {}),
    });
  }
}
