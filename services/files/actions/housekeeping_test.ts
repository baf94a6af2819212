import assert from "node:assert/strict";
import type { Principal } from "@colink/auth";
import { createChatDeps, sqlStores } from "@colink/conversations";
import { colinkMigrations, DEV_CHANNEL, DEV_USERS, seedDevData } from "@colink/db";
import { HttpError, silentLogger } from "@colink/http";
import {
  createFsBlobStore,
  createMemoryDocumentStore,
  createMemoryKeyValue,
  createPgliteSql,
  createSignatureScanner,
  migrate,
  type VirusScanner,
} from "@colink/platform";
import { parseConfig } from "@colink/config";
import { FilesConfig } from "../config.ts";
import { confirmUpload } from "./confirm.ts";
import type { FilesDeps } from "./deps.ts";
import { downloadUrl } from "./downloads.ts";
import { filesHousekeeping } from "./housekeeping.ts";
import { requestUpload } from "./uploads.ts";

const alice = DEV_USERS.find((u) => u.username === "alice")!;
const p: Principal = {
  userId: alice.id,
  sub: alice.sub,
  username: "alice",
  realmRoles: alice.realm_roles,
};

/** A scanner whose daemon is down until `up` is set. */
function flakyScanner(): VirusScanner & { up: boolean } {
  const real = createSignatureScanner();
  const s = {
    kind: "signatures" as const,
    up: false,
    async scan(data: Uint8Array | ReadableStream<Uint8Array>) {
      if (!s.up) throw new Error("clamd: connection refused");
      return await real.scan(data);
    },
    ping: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  return s;
}

async function setup() {
  const sql = await createPgliteSql();
  await migrate(sql, await colinkMigrations());
  await seedDevData(sql);
  const dir = await Deno.makeTempDir();
  let now = new Date("2026-12-01T10:00:00Z").getTime();
  const blobs = await createFsBlobStore({
    root: dir,
    publicBaseUrl: "http://127.0.0.1:1",
    signingSecret: "x".repeat(32),
    now: () => now,
  });
  const scanner = flakyScanner();
  const d: FilesDeps = {
    chat: createChatDeps({
      sql,
      kv: createMemoryKeyValue(),
      eventsCommitted() {},
      now: () => new Date(now),
    }),
    blobs,
    docs: await createMemoryDocumentStore(),
    scanner,
    config: parseConfig(FilesConfig, {}),
    bucket: "local",
    logger: silentLogger,
  };
  /** Uploads through the store directly (as the client's PUT would). */
  const upload = async (name: string, bytes: Uint8Array) => {
    const u = await requestUpload(d, p, {
      filename: name,
      content_type: "text/plain",
      size_bytes: bytes.length,
      channel_id: DEV_CHANNEL.id,
    });
    const f = (await sqlStores(sql).files.get(u.file_id))!;
    await blobs.put(f.blob_key, bytes, { contentType: "text/plain" });
    return u.file_id;
  };
  return {
    d,
    sql,
    blobs,
    scanner,
    upload,
    advance: (ms: number) => (now += ms),
    async close() {
      await sql.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("a scan that gets no answer leaves the file pending and undownloadable until a rescan passes", async () => {
  const t = await setup();
  try {
    const id = await t.upload("report.txt", new TextEncoder().encode("quarterly numbers"));
    const info = await confirmUpload(t.d, p, id);
    assert.equal(info.status, "pending");
    assert.equal(info.virus_scan.status, "pending");
    await assert.rejects(
      downloadUrl(t.d, p, id),
      (e) => (e as HttpError).code === "file_not_ready",
    );
    // Too early for a rescan; then the scanner is back and enough time has passed.
    assert.equal((await filesHousekeeping(t.d)).rescanned, 0);
    t.scanner.up = true;
    assert.equal((await filesHousekeeping(t.d)).rescanned, 0, "not before FILES_RESCAN_AFTER_SEC");
    t.advance(31_000);
    assert.equal((await filesHousekeeping(t.d)).rescanned, 1);
    assert.match(await downloadUrl(t.d, p, id), /\/blobs\//);
    const doc = await t.d.docs.collection("files").findOne({ file_id: id });
    assert.equal((doc?.virus_scan as { status: string }).status, "clean");
  } finally {
    await t.close();
  }
});

Deno.test("uploads never confirmed are deleted, rows and bytes, after their retention", async () => {
  const t = await setup();
  t.scanner.up = true;
  try {
    const abandoned = await t.upload("left.txt", new TextEncoder().encode("never confirmed"));
    const kept = await t.upload("kept.txt", new TextEncoder().encode("confirmed"));
    assert.equal((await confirmUpload(t.d, p, kept)).status, "clean");
    const key = (await sqlStores(t.sql).files.get(abandoned))!.blob_key;
    // The URL lives 5 minutes and the retention is an hour after that.
    t.advance(30 * 60_000);
    assert.equal((await filesHousekeeping(t.d)).abandoned, 0);
    t.advance(40 * 60_000);
    assert.equal((await filesHousekeeping(t.d)).abandoned, 1);
    assert.equal(await sqlStores(t.sql).files.get(abandoned), undefined);
    assert.deepEqual(await t.blobs.listVersions(key), []);
    assert.ok(await sqlStores(t.sql).files.get(kept), "a confirmed file stays");
  } finally {
    await t.close();
  }
});
