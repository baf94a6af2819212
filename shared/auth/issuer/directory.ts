import * as OTPAuth from "otpauth";
import type { DocumentStore } from "@colink/platform";

/** A login account of the embedded issuer (the stand-in for Keycloak's user store). */
export interface IssuerUser extends Record<string, unknown> {
  sub: string;
  username: string;
  email: string;
  name: string;
  given_name: string;
  family_name: string;
  realm_roles: string[];
  password_hash: string;
  /** Base32 TOTP secret once the user enrolled (confirmed) a second factor. */
  totp_secret?: string | null;
}

const enc = new TextEncoder();
const b64 = (b: ArrayBuffer | Uint8Array) => btoa(String.fromCharCode(...new Uint8Array(b)));

/** PBKDF2-SHA256, the format `pbkdf2$<iterations>$<salt>$<hash>`. */
export async function hashPassword(password: string, iterations = 210_000): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return `pbkdf2$${iterations}$${b64(salt)}$${b64(await derive(password, salt, iterations))}`;
}

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number) {
  const key = await crypto.subtle.importKey("raw", enc.encode(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  return await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    key,
    256,
  );
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iter, salt, hash] = stored.split("$");
  if (scheme !== "pbkdf2" || !iter || !salt || !hash) return false;
  const got = new Uint8Array(
    await derive(password, Uint8Array.from(atob(salt), (c) => c.charCodeAt(0)), Number(iter)),
  );
  const want = Uint8Array.from(atob(hash), (c) => c.charCodeAt(0));
  if (got.length !== want.length) return false;
  let diff = 0;
  for (let i = 0; i < got.length; i++) diff |= got[i]! ^ want[i]!;
  return diff === 0;
}

export const totpFor = (secret: string, label = "colink"): OTPAuth.TOTP =>
  new OTPAuth.TOTP({
    issuer: "CoLink",
    label,
    algorithm: "SHA1",
    digits: 6,
    period: 30,
    secret: OTPAuth.Secret.fromBase32(secret),
  });

/** Accepts the current code and the ones next to it (clock drift), like Keycloak's look-ahead 1. */
export const totpValid = (secret: string, code: string): boolean =>
  /^\d{6}$/.test(code) && totpFor(secret).validate({ token: code, window: 1 }) !== null;

export interface Directory {
  byUsername(username: string): Promise<IssuerUser | null>;
  bySub(sub: string): Promise<IssuerUser | null>;
  upsert(user: IssuerUser): Promise<void>;
  setTotp(sub: string, secret: string | undefined): Promise<void>;
}

export function createDirectory(docs: DocumentStore): Directory {
  const col = docs.collection<IssuerUser>("oidc_users");
  return {
    byUsername: (username) => col.findOne({ username: username.toLowerCase() }),
    bySub: (sub) => col.findOne({ sub }),
    async upsert(user) {
      await col.ensureIndex({ username: 1 }, { unique: true });
      if (!(await col.findOne({ sub: user.sub }))) {
        await col.insertOne({ ...user, username: user.username.toLowerCase() });
      }
    },
    async setTotp(sub, secret) {
      await col.updateOne({ sub }, { $set: { totp_secret: secret ?? null } });
    },
  };
}
