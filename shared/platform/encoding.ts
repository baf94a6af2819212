/** Byte encodings and digests used across CoLink (tokens, signed URLs, stored hashes). */

export function base64url(bytes: ArrayBuffer | Uint8Array): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** A random secret of `bytes` bytes, base64url-encoded (session ids, states, codes). */
export function randomSecret(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

async function sha256(text: string): Promise<ArrayBuffer> {
  return await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
}

/** SHA-256 as lowercase hex (stored hashes, file names). */
export async function sha256Hex(text: string): Promise<string> {
  return Array.from(new Uint8Array(await sha256(text)), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** SHA-256 as base64url (PKCE S256 challenges, KV keys). */
export async function sha256Base64url(text: string): Promise<string> {
  return base64url(await sha256(text));
}
