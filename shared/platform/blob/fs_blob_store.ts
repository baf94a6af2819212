import { base64url, sha256Hex } from "../encoding.ts";
import {
  assertBlobKey,
  type BlobStore,
  type BlobVersion,
  contentDisposition,
  type Disposition,
} from "./port.ts";

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
const SIGNED = ["m", "k", "v", "e", "ct", "n", "dn", "dt"] as const;
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

  const newVersionId = () =>
    `${String(now()).padStart(15, "0")}${String(seq++ % 1e6).padStart(6, "0")}${
      crypto.randomUUID().slice(0, 8)
    }`;

  /** Writes a version from bytes or a stream (temp file + rename, then its metadata). */
  async function put(
    key: string,
    body: Uint8Array | ReadableStream<Uint8Array>,
    contentType: string,
    limit = Infinity,
  ): Promise<{ versionId: string; size: number } | "too_large"> {
    assertBlobKey(key);
    const dir = await dirOf(key);
    await Deno.mkdir(dir, { recursive: true });
    const versionId = newVersionId();
    const tmp = `${dir}/.${versionId}.tmp`;
    let size = 0;
    if (body instanceof Uint8Array) {
      await Deno.writeFile(tmp, body);
      size = body.length;
    } else {
      // Streamed to disk a chunk at a time: an upload never sits in memory whole.
      const file = await Deno.open(tmp, { write: true, createNew: true });
      try {
        for await (const chunk of body) {
          size += chunk.length;
          if (size > limit) break;
          let off = 0;
          while (off < chunk.length) off += await file.write(chunk.subarray(off));
        }
      } finally {
        file.close();
      }
      if (size > limit) {
        await Deno.remove(tmp);
        return "too_large";
      }
    }
    await Deno.rename(tmp, `${dir}/${versionId}.bin`);
    const meta: Meta = { key, contentType, size, lastModified: new Date(now()).toISOString() };
    await Deno.writeTextFile(`${dir}/.${versionId}.meta`, JSON.stringify(meta));
    await Deno.rename(`${dir}/.${versionId}.meta`, `${dir}/${versionId}.json`);
    return { versionId, size };
  }

  async function find(key: string, versionId?: string) {
    assertBlobKey(key);
    const versions = await readVersions(key);
    return (versionId ? versions.find((x) => x.versionId === versionId) : versions[0]) ?? null;
  }

  /** A version's bytes as a stream, or the inclusive range [start, end] of them. */
  async function open(key: string, versionId?: string, range?: { start: number; end: number }) {
    const v = await find(key, versionId);
    if (!v) return null;
    const file = await Deno.open(`${await dirOf(key)}/${v.versionId}.bin`);
    if (!range) return { v, body: file.readable };
    await file.seek(range.start, Deno.SeekMode.Start);
    let left = range.end - range.start + 1;
    const reader = file.readable.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        const { value, done } = await reader.read();
        if (done || left <= 0) {
          await reader.cancel().catch(() => {});
          return c.close();
        }
        const part = value.subarray(0, Math.min(value.length, left));
        left -= part.length;
        c.enqueue(part);
        if (left <= 0) {
          await reader.cancel().catch(() => {});
          c.close();
        }
      },
      cancel: () => reader.cancel(),
    });
    return { v, body };
  }

  async function removeVersion(key: string, versionId: string) {
    assertBlobKey(key);
    if (!/^[0-9a-f]+$/.test(versionId)) return;
    const dir = await dirOf(key);
    for (const f of [`${versionId}.json`, `${versionId}.bin`]) {
      await Deno.remove(`${dir}/${f}`).catch((e) => {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      });
    }
  }

  async function get(key: string, versionId?: string) {
    const v = await find(key, versionId);
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

  return {
    kind: "fs",
    async put(key, bytes, { contentType }) {
      const r = await put(key, bytes, contentType);
      return { versionId: (r as { versionId: string }).versionId };
    },
    get: (key, opts = {}) => get(key, opts.versionId),
    async stat(key, opts = {}) {
      const v = await find(key, opts.versionId);
      return v &&
        {
          versionId: v.versionId,
          size: v.size,
          contentType: v.contentType,
          lastModified: v.lastModified,
        };
    },
    async open(key, opts = {}) {
      return (await open(key, opts.versionId, opts.range))?.body ?? null;
    },
    deleteVersion: removeVersion,
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
    async presignGet(key, { expiresInSec, versionId, downloadName, disposition }) {
      assertBlobKey(key);
      const { url, expiresAt } = await presign(
        {
          m: "GET",
          k: key,
          v: versionId ?? "",
          dn: downloadName ?? "",
          dt: downloadName && disposition === "inline" ? "inline" : "",
        },
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
        const declared = Number(req.headers.get("content-length") ?? n);
        if (declared > n) return jsonError(413, "too_large", `body exceeds the signed ${n} bytes`);
        const r = await put(key, req.body ?? new Uint8Array(), ct, n);
        if (r === "too_large") {
          return jsonError(413, "too_large", `body exceeds the signed ${n} bytes`);
        }
        if (r.size !== n) {
          await removeVersion(key, r.versionId);
          return jsonError(400, "length_mismatch", `body must be ${n} bytes`);
        }
        return new Response(null, { status: 200, headers: { "x-amz-version-id": r.versionId } });
      }
      const obj = await open(key, q.v || undefined);
      if (!obj) return jsonError(404, "blob_not_found", "no such object");
      const headers: Record<string, string> = {
        "content-type": obj.v.contentType,
        "content-length": String(obj.v.size),
        "x-amz-version-id": obj.v.versionId,
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; sandbox",
      };
      if (q.dn) headers["content-disposition"] = contentDisposition(q.dn, q.dt as Disposition);
      return new Response(obj.body, { headers });
    },
    ping: () => Deno.stat(o.root).then(() => {}),
    close: () => Promise.resolve(),
  };
}
