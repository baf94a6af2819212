import { base64url, sha256Hex } from "../encoding.ts";
import { assertBlobKey, type BlobStore, type BlobVersion, contentDisposition } from "./port.ts";

export interface FsBlobStoreOptions {
  root: string;
  /** Origin under which CoLink serves `/blobs/...` (e.g. http://localhost:8000). */
  publicBaseUrl: string;
  /** HMAC key for signed URLs; at least 32 bytes of entropy. */
  signingSecret: string;
  now?: () => number;
}

/** A blob store whose signed URLs CoLink itself answers, via `handle`. */
export interface FsBlobStore extends BlobStore {
  handle(req: Request): Promise<Response>;
}

interface Meta {
  key: string;
  contentType: string;
  size: number;
  lastModified: string;
}

const enc = new TextEncoder();
const fromB64url = (s: string) => {
  try {
    return Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  } catch {
    return new Uint8Array();
  }
};

function jsonError(status: number, code: string, message: string) {
  return Response.json({ error: { code, message, request_id: crypto.randomUUID() } }, { status });
}

/** Signed fields, in signing order. Absent ones sign as empty strings. */
const SIGNED = ["m", "k", "v", "e", "ct", "n", "dn"] as const;
/** JSON, not a separator-joined string: no field value can spill into the next one. */
const signedBytes = (fields: Record<string, string>) =>
  enc.encode(JSON.stringify(SIGNED.map((f) => fields[f] ?? "")));

/**
 * Embedded blob store: versions kept as files under `root`, written atomically (temp + rename).
 * Presigned URLs carry an HMAC over method, key, version, expiry, content type and length.
 */
export async function createFsBlobStore(o: FsBlobStoreOptions): Promise<FsBlobStore> {
  if (enc.encode(o.signingSecret).length < 32) throw new Error("signingSecret must be >= 32 bytes");
  await Deno.mkdir(o.root, { recursive: true });
  const now = o.now ?? Date.now;
  const hmacKey = await crypto.subtle.importKey(
    "raw",
    enc.encode(o.signingSecret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
  let seq = 0;
  const dirOf = async (key: string) => `${o.root}/${await sha256Hex(key)}`;

  async function readVersions(key: string): Promise<(BlobVersion & { contentType: string })[]> {
    const dir = await dirOf(key);
    const out: (BlobVersion & { contentType: string })[] = [];
    try {
      for await (const e of Deno.readDir(dir)) {
        if (!e.name.endsWith(".json")) continue;
        const meta = JSON.parse(await Deno.readTextFile(`${dir}/${e.name}`)) as Meta;
        out.push({
          versionId: e.name.slice(0, -5),
          size: meta.size,
          contentType: meta.contentType,
          lastModified: new Date(meta.lastModified),
          isLatest: false,
        });
      }
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return [];
      throw e;
    }
    out.sort((a, b) => (a.versionId < b.versionId ? 1 : -1));
    if (out[0]) out[0].isLatest = true;
    return out;
  }

  async function put(key: string, bytes: Uint8Array, contentType: string) {
    assertBlobKey(key);
    const dir = await dirOf(key);
    await Deno.mkdir(dir, { recursive: true });
    const versionId = `${String(now()).padStart(15, "0")}${String(seq++ % 1e6).padStart(6, "0")}${
      crypto.randomUUID().slice(0, 8)
    }`;
    const tmp = `${dir}/.${versionId}.tmp`;
    await Deno.writeFile(tmp, bytes);
    await Deno.rename(tmp, `${dir}/${versionId}.bin`);
    const meta: Meta = {
      key,
      contentType,
      size: bytes.length,
      lastModified: new Date(now()).toISOString(),
    };
    await Deno.writeTextFile(`${dir}/.${versionId}.meta`, JSON.stringify(meta));
    await Deno.rename(`${dir}/.${versionId}.meta`, `${dir}/${versionId}.json`);
    return { versionId };
  }

  async function get(key: string, versionId?: string) {
    assertBlobKey(key);
    const versions = await readVersions(key);
    const v = versionId ? versions.find((x) => x.versionId === versionId) : versions[0];
    if (!v) return null;
    const bytes = await Deno.readFile(`${await dirOf(key)}/${v.versionId}.bin`);
    return { bytes, contentType: v.contentType, versionId: v.versionId };
  }

  const sign = async (fields: Record<string, string>) =>
    base64url(
      await crypto.subtle.sign(
        "HMAC",
        hmacKey,
        signedBytes(fields),
      ),
    );

  async function presign(fields: Record<string, string>, expiresInSec: number) {
    const exp = Math.floor(now() / 1000) + expiresInSec;
    const all: Record<string, string> = { ...fields, e: String(exp) };
    const params = new URLSearchParams(
      Object.entries(all).filter(([k, v]) => k !== "k" && v !== ""),
    );
    params.set("s", await sign(all));
    return {
      url: `${o.publicBaseUrl}/blobs/${fields.k}?${params}`,
      expiresAt: new Date(exp * 1000),
    };
  }

  async function readLimited(req: Request, limit: number): Promise<Uint8Array | null> {
    if (!req.body) return new Uint8Array();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of req.body) {
      total += chunk.length;
      if (total > limit) return null;
      chunks.push(chunk);
    }
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }

  return {
    kind: "fs",
    put: (key, bytes, { contentType }) => put(key, bytes, contentType),
    get: (key, opts = {}) => get(key, opts.versionId),
    async listVersions(key) {
      assertBlobKey(key);
      return (await readVersions(key)).map(({ contentType: _, ...v }) => v);
    },
    async purge(key) {
      assertBlobKey(key);
      await Deno.remove(await dirOf(key), { recursive: true }).catch((e) => {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      });
    },
    async presignPut(key, { contentType, contentLength, expiresInSec }) {
      assertBlobKey(key);
      const { url, expiresAt } = await presign(
        { m: "PUT", k: key, ct: contentType, n: String(contentLength) },
        expiresInSec,
      );
      return { url, method: "PUT", headers: { "content-type": contentType }, expiresAt };
    },
    async presignGet(key, { expiresInSec, versionId, downloadName }) {
      assertBlobKey(key);
      const { url, expiresAt } = await presign(
        { m: "GET", k: key, v: versionId ?? "", dn: downloadName ?? "" },
        expiresInSec,
      );
      return { url, method: "GET", headers: {}, expiresAt };
    },
    async handle(req) {
      const url = new URL(req.url);
      let key: string;
      try {
        key = decodeURIComponent(url.pathname.replace(/^.*?\/blobs\//, ""));
      } catch {
        return jsonError(400, "invalid_url", "malformed blob URL");
      }
      const q = Object.fromEntries(url.searchParams);
      const fields: Record<string, string> = { ...q, k: key };
      const expected = fromB64url(q.s ?? "");
      const valid = expected.length > 0 && await crypto.subtle.verify(
        "HMAC",
        hmacKey,
        expected,
        signedBytes(fields),
      );
      if (!valid || q.m !== req.method) {
        return jsonError(403, "signature_invalid", "URL signature does not match");
      }
      if (Number(q.e) * 1000 < now()) return jsonError(403, "url_expired", "URL has expired");
      if (req.method === "PUT") {
        const ct = req.headers.get("content-type") ?? "";
        if (ct !== q.ct) {
          return jsonError(403, "content_type_mismatch", `Content-Type must be ${q.ct}`);
        }
        const n = Number(q.n);
        const bytes = await readLimited(req, n);
        if (!bytes) return jsonError(413, "too_large", `body exceeds the signed ${n} bytes`);
        if (bytes.length !== n) return jsonError(400, "length_mismatch", `body must be ${n} bytes`);
        const { versionId } = await put(key, bytes, ct);
        return new Response(null, { status: 200, headers: { "x-amz-version-id": versionId } });
      }
      const obj = await get(key, q.v || undefined);
      if (!obj) return jsonError(404, "blob_not_found", "no such object");
      const headers: Record<string, string> = {
        "content-type": obj.contentType,
        "x-amz-version-id": obj.versionId,
        "x-content-type-options": "nosniff",
      };
      if (q.dn) headers["content-disposition"] = contentDisposition(q.dn);
      return new Response(obj.bytes, { headers });
    },
    ping: () => Deno.stat(o.root).then(() => {}),
    close: () => Promise.resolve(),
  };
}
