import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import type { FileInfo, Message, UploadUrl } from "@colink/contracts";
import type { DocumentStore } from "@colink/platform";
import { EICAR, eventually, sleep, uniqueSuffix } from "@colink/testing";
import { chatClient, type ChatTarget, type Person, type Reply } from "./chat_client.ts";

/** A target for the files suite: the chat stack plus the files service and its stores. */
export interface FilesTarget extends ChatTarget {
  docs: DocumentStore;
}

/** Settings the suite needs: upload URLs that expire within the test. */
export const FILES_SUITE_ENV = { FILES_UPLOAD_URL_TTL_SEC: "3" };

function expectStatus(r: Reply, status: number, what = ""): void {
  assert.equal(r.status, status, `${what} → ${r.status} ${JSON.stringify(r.body)}`);
}
function expectError(r: Reply, status: number, code: string, what = ""): void {
  expectStatus(r, status, what);
  assert.equal((r.body as { error: { code: string } }).error.code, code, what);
}

const enc = new TextEncoder();

function pngOf(width: number, height: number): Uint8Array {
  const png = new PNG({ width, height });
  for (let i = 0; i < png.data.length; i += 4) png.data.set([0x33, 0x66, 0xcc, 0xff], i);
  return new Uint8Array(PNG.sync.write(png) as Buffer);
}

/**
 * Files as shared/API.md promises them, end to end: presigned uploads straight to the store,
 * confirmation (size, type, magic bytes, virus scan), metadata in the document store, attaching
 * to messages, members-only downloads of clean files, previews, versions, deletion. The same suite
 * runs on the embedded adapters and on MinIO, ClamAV, FerretDB, PostgreSQL, Redis and Kafka.
 */
export function filesSuite(mode: string, makeTarget: () => Promise<FilesTarget>): void {
  Deno.test({
    name: `files [${mode}]`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const target = await makeTarget();
      try {
        const c = await chatClient(target);
        const { call, ids } = c;
        const suffix = uniqueSuffix().toLowerCase().replace(/[^a-z0-9]/g, "").slice(-10);
        const ws = await call<{ id: string }>("alice", "POST", "/api/v1/workspaces", {
          name: "Files",
          slug: `files-${suffix}`,
        });
        expectStatus(ws, 201);
        const wid = ws.body.id;
        for (const who of ["bob", "carol"] as const) {
          expectStatus(
            await call("alice", "POST", `/api/v1/workspaces/${wid}/members`, { user_id: ids[who] }),
            201,
          );
        }
        const ch = await call<{ id: string }>(
          "alice",
          "POST",
          `/api/v1/workspaces/${wid}/channels`,
          {
            name: "design",
            is_private: true,
          },
        );
        const cid = ch.body.id;
        expectStatus(
          await call("alice", "POST", `/api/v1/channels/${cid}/members`, { user_id: ids.bob }),
          201,
        );
        const other = await call<{ id: string }>(
          "alice",
          "POST",
          `/api/v1/workspaces/${wid}/channels`,
          {
            name: "random",
          },
        );

        const requestUpload = (as: Person, body: Record<string, unknown>) =>
          call<UploadUrl>(as, "POST", "/api/v1/files/upload-url", body);
        const put = (u: UploadUrl, bytes: Uint8Array, headers = u.headers) =>
          fetch(u.upload_url, { method: u.method, headers, body: bytes as Uint8Array<ArrayBuffer> })
            .then(async (r) => {
              await r.body?.cancel();
              return r.status;
            });
        const confirm = (as: Person, fid: string) =>
          call<FileInfo>(as, "POST", `/api/v1/files/${fid}/confirm`);
        /** Upload and confirm, as the web client does it. */
        const upload = async (
          as: Person,
          filename: string,
          contentType: string,
          bytes: Uint8Array,
          where: { channel_id?: string; dm_id?: string } = { channel_id: cid },
        ) => {
          const u = await requestUpload(as, {
            filename,
            content_type: contentType,
            size_bytes: bytes.length,
            ...where,
          });
          expectStatus(u, 201, `upload-url ${filename}`);
          assert.equal(await put(u.body, bytes), 200, `PUT ${filename}`);
          return { url: u.body, confirmed: await confirm(as, u.body.file_id) };
        };
        /** Follows the download's redirect by hand (the store's URL carries its own signature). */
        const download = async (as: Person, path: string) => {
          const r = await fetch(`${target.base}${path}`, {
            headers: { authorization: `Bearer ${c.token(as)}` },
            redirect: "manual",
          });
          if (r.status !== 302) {
            return { status: r.status, body: await r.json().catch(() => null), headers: r.headers };
          }
          await r.body?.cancel();
          const location = new URL(r.headers.get("location")!, target.base);
          const got = await fetch(location);
          return {
            status: got.status,
            bytes: new Uint8Array(await got.arrayBuffer()),
            headers: got.headers,
            location,
          };
        };
        let textFile = "";
        await t.step(
          "upload-url checks membership, size, type and the request's shape",
          async () => {
            expectError(
              await requestUpload("carol", {
                filename: "a.txt",
                content_type: "text/plain",
                size_bytes: 3,
                channel_id: cid,
              }),
              404,
              "channel_not_found",
              "a private channel carol is not in",
            );
            expectError(
              await requestUpload("carol", {
                filename: "a.txt",
                content_type: "text/plain",
                size_bytes: 3,
                channel_id: other.body.id,
              }),
              403,
              "not_a_member",
            );
            expectError(
              await requestUpload("alice", {
                filename: "big.bin",
                content_type: "application/octet-stream",
                size_bytes: 100 * 1024 * 1024 + 1,
                channel_id: cid,
              }),
              413,
              "file_too_large",
            );
            expectError(
              await requestUpload("alice", {
                filename: "x.exe",
                content_type: "application/x-msdownload",
                size_bytes: 10,
                channel_id: cid,
              }),
              400,
              "file_type_not_allowed",
            );
            for (
              const bad of [
                {
                  filename: "../etc/passwd",
                  content_type: "text/plain",
                  size_bytes: 1,
                  channel_id: cid,
                },
                { filename: "a.txt", content_type: "text/plain", size_bytes: -1, channel_id: cid },
                { filename: "a.txt", content_type: "text/plain", size_bytes: 1 },
                {
                  filename: "a.txt",
                  content_type: "text/plain",
                  size_bytes: 1,
                  channel_id: cid,
                  dm_id: cid,
                },
                {
                  filename: "a.txt",
                  content_type: "text/plain",
                  size_bytes: 1,
                  channel_id: cid,
                  x: 1,
                },
                {
                  filename: { $ne: "" },
                  content_type: "text/plain",
                  size_bytes: 1,
                  channel_id: cid,
                },
              ]
            ) {
              expectError(
                await requestUpload("alice", bad),
                400,
                "invalid_request",
                JSON.stringify(bad),
              );
            }
          },
        );

        await t.step(
          "upload then confirm: checked, scanned clean, metadata document written, pending attach",
          async () => {
            const bytes = enc.encode("meeting notes\n".repeat(100));
            const { url, confirmed } = await upload("alice", "notes.txt", "text/plain", bytes);
            expectStatus(confirmed, 200);
            textFile = url.file_id;
            assert.equal(confirmed.body.status, "clean");
            assert.equal(confirmed.body.virus_scan.status, "clean");
            assert.ok(confirmed.body.virus_scan.scanned_at);
            assert.equal(confirmed.body.size_bytes, bytes.length);
            assert.equal(confirmed.body.channel_id, cid);
            assert.equal(confirmed.body.message_id, null);
            assert.equal(confirmed.body.download_url, `/api/v1/files/${textFile}/download`);
            const again = await confirm("alice", textFile);
            expectStatus(again, 200);
            assert.deepEqual(again.body, confirmed.body, "confirming twice changes nothing");
            const doc = await target.docs.collection("files").findOne({ file_id: textFile });
            assert.ok(doc, "the metadata document exists");
            for (
              const field of [
                "workspace_id",
                "channel_id",
                "dm_id",
                "message_id",
                "uploader_id",
                "filename",
                "content_type",
                "size_bytes",
                "s3_bucket",
                "s3_key",
                "s3_version_id",
                "versions",
                "metadata",
                "virus_scan",
                "created_at",
                "updated_at",
              ]
            ) assert.ok(field in doc, `document field ${field}`);
            assert.equal(doc.uploader_id, ids.alice);
            assert.equal((doc.virus_scan as { status: string }).status, "clean");
            assert.equal((doc.versions as unknown[]).length, 1);
            // Until a message attaches it, the file is alice's alone.
            expectError(
              await call("bob", "GET", `/api/v1/files/${textFile}`),
              404,
              "file_not_found",
            );
            expectStatus(await call("alice", "GET", `/api/v1/files/${textFile}`), 200);
          },
        );

        await t.step(
          "signed URLs: tampered, moved to another key, oversized or expired fail",
          async () => {
            const bytes = enc.encode("0123456789");
            const u = (await requestUpload("alice", {
              filename: "d.txt",
              content_type: "text/plain",
              size_bytes: bytes.length,
              channel_id: cid,
            })).body;
            expectError(
              await confirm("alice", u.file_id),
              409,
              "upload_missing",
              "before any upload",
            );
            const tampered = new URL(u.upload_url);
            const sigKey = [...tampered.searchParams.keys()].find((k) =>
              /^(s|X-Amz-Signature)$/.test(k)
            )!;
            const sig = tampered.searchParams.get(sigKey)!;
            tampered.searchParams.set(sigKey, (sig[0] === "a" ? "b" : "a") + sig.slice(1));
            assert.equal(await put({ ...u, upload_url: String(tampered) }, bytes), 403, "tampered");
            const moved = u.upload_url.replace(u.file_id, textFile);
            assert.equal(await put({ ...u, upload_url: moved }, bytes), 403, "another file's key");
            const tooBig = await put(u, enc.encode("0123456789 and more than declared"));
            assert.ok(tooBig >= 400 && tooBig < 500, `larger than declared → ${tooBig}`);
            const asHtml = await put(u, bytes, { "content-type": "text/html" });
            assert.equal(asHtml, 403, "another content type than signed");
            expectError(await confirm("alice", u.file_id), 409, "upload_missing", "nothing stored");
            await sleep(3500);
            assert.equal(await put(u, bytes), 403, "expired");
            expectError(await confirm("alice", u.file_id), 409, "upload_missing", "still nothing");
            // The text file's bytes are untouched by any of it.
            const f = await download("alice", `/api/v1/files/${textFile}/download`);
            assert.equal(f.status, 200);
            assert.equal(new TextDecoder().decode(f.bytes!).slice(0, 13), "meeting notes");
          },
        );

        await t.step(
          "content that is not what it says is refused: HTML or SVG as .png",
          async () => {
            for (
              const [name, content] of [
                ["cat.png", "<!DOCTYPE html><html><script>alert(1)</script></html>"],
                ["dog.png", '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'],
                ["notes.txt", "  <html><body onload=alert(1)>"],
              ] as const
            ) {
              const type = name.endsWith(".png") ? "image/png" : "text/plain";
              const { url, confirmed } = await upload("alice", name, type, enc.encode(content));
              expectError(confirmed, 400, "file_content_mismatch", name);
              expectError(
                await confirm("alice", url.file_id),
                400,
                "file_content_mismatch",
                "again",
              );
              const info = await call<FileInfo>("alice", "GET", `/api/v1/files/${url.file_id}`);
              assert.equal(info.body.status, "rejected");
              expectError(
                await call("alice", "GET", `/api/v1/files/${url.file_id}/download`),
                409,
                "file_not_ready",
              );
            }
          },
        );

        let eicar = "";
        await t.step("the EICAR test file is quarantined and never downloadable", async () => {
          const { url, confirmed } = await upload("alice", "eicar.txt", "text/plain", EICAR);
          eicar = url.file_id;
          expectStatus(confirmed, 200);
          assert.equal(confirmed.body.status, "infected");
          assert.equal(confirmed.body.virus_scan.status, "infected");
          assert.equal(confirmed.body.download_url, null);
          expectError(
            await call("alice", "GET", `/api/v1/files/${eicar}/download`),
            403,
            "file_infected",
          );
          expectError(
            await call("alice", "GET", `/api/v1/files/${eicar}/download?version=1`),
            403,
            "file_infected",
          );
          const doc = await target.docs.collection("files").findOne({ file_id: eicar });
          assert.equal((doc?.virus_scan as { status: string }).status, "infected");
          expectError(
            await call("alice", "POST", `/api/v1/channels/${cid}/messages`, {
              content: "look",
              file_ids: [eicar],
            }),
            409,
            "file_not_ready",
          );
        });

        let message = "";
        await t.step("a send attaches the sender's clean files of that conversation", async () => {
          const png = pngOf(800, 600);
          const img = await upload("alice", "mock.png", "image/png", png);
          expectStatus(img.confirmed, 200);
          assert.deepEqual(img.confirmed.body.metadata, { width: 800, height: 600 });
          assert.ok(img.confirmed.body.thumbnail_url);
          const elsewhere = await upload("alice", "other.txt", "text/plain", enc.encode("x"), {
            channel_id: other.body.id,
          });
          expectError(
            await call("alice", "POST", `/api/v1/channels/${cid}/messages`, {
              content: "wrong room",
              file_ids: [elsewhere.url.file_id],
            }),
            400,
            "file_not_found",
            "a file of another conversation",
          );
          const bobs = await upload("bob", "bob.txt", "text/plain", enc.encode("bob's"));
          expectError(
            await call("alice", "POST", `/api/v1/channels/${cid}/messages`, {
              content: "not mine",
              file_ids: [bobs.url.file_id],
            }),
            400,
            "file_not_found",
            "someone else's upload",
          );
          const sent = await call<Message>(
            "alice",
            "POST",
            `/api/v1/channels/${cid}/messages`,
            { content: "", file_ids: [textFile, img.url.file_id] },
            { "idempotency-key": `files-${suffix}` },
          );
          expectStatus(sent, 201);
          message = sent.body.id;
          assert.deepEqual(sent.body.files.map((f) => f.id), [textFile, img.url.file_id]);
          assert.equal(sent.body.files[1]!.content_type, "image/png");
          assert.deepEqual(sent.body.files[1]!.metadata, { width: 800, height: 600 });
          const retry = await call<Message>(
            "alice",
            "POST",
            `/api/v1/channels/${cid}/messages`,
            { content: "", file_ids: [textFile, img.url.file_id] },
            { "idempotency-key": `files-${suffix}` },
          );
          expectStatus(retry, 200, "a retry replays");
          assert.deepEqual(retry.body, sent.body);
          expectError(
            await call("alice", "POST", `/api/v1/channels/${cid}/messages`, {
              content: "again",
              file_ids: [textFile],
            }),
            409,
            "file_already_attached",
          );
          const got = await call<Message>("bob", "GET", `/api/v1/messages/${message}`);
          assert.deepEqual(got.body.files, sent.body.files);
          const page = await call<{ messages: Message[] }>(
            "bob",
            "GET",
            `/api/v1/channels/${cid}/messages`,
          );
          assert.deepEqual(
            page.body.messages.find((m) => m.id === message)?.files,
            sent.body.files,
          );
        });

        await t.step(
          "downloads: members only, a short-lived redirect, active content as attachment",
          async () => {
            const info = await call<FileInfo>("bob", "GET", `/api/v1/files/${textFile}`);
            expectStatus(info, 200);
            assert.equal(info.body.message_id, message);
            // The MongoDB document follows the attachment (the files service consumes the event).
            await eventually(async () => {
              const doc = await target.docs.collection("files").findOne({ file_id: textFile });
              assert.equal(doc?.message_id, message);
            });
            expectError(
              await call("carol", "GET", `/api/v1/files/${textFile}`),
              404,
              "file_not_found",
            );
            expectError(
              await call("carol", "GET", `/api/v1/files/${textFile}/download`),
              404,
              "file_not_found",
            );
            expectError(await call(null, "GET", `/api/v1/files/${textFile}`), 401, "unauthorized");
            const dl = await download("bob", `/api/v1/files/${textFile}/download`);
            assert.equal(dl.status, 200);
            assert.equal(dl.bytes!.length, 1400);
            assert.match(
              dl.headers.get("content-disposition") ?? "",
              /^inline; filename="notes\.txt"/,
            );
            const svg = await upload(
              "alice",
              "logo.svg",
              "image/svg+xml",
              enc.encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
            );
            expectStatus(svg.confirmed, 200);
            assert.equal(svg.confirmed.body.status, "clean");
            const s = await download("alice", `/api/v1/files/${svg.url.file_id}/download`);
            assert.equal(s.status, 200);
            assert.match(
              s.headers.get("content-disposition") ?? "",
              /^attachment; filename="logo\.svg"/,
            );
            const img = (await call<Message>("bob", "GET", `/api/v1/messages/${message}`)).body
              .files[1]!;
            const thumb = await download("bob", img.thumbnail_url!);
            assert.equal(thumb.status, 200);
            assert.deepEqual(
              [...thumb.bytes!.subarray(0, 3)],
              [0xff, 0xd8, 0xff],
              "a JPEG preview",
            );
            const decoded = jpeg.decode(thumb.bytes!, { useTArray: true });
            assert.equal(Math.max(decoded.width, decoded.height), 360);
          },
        );

        await t.step("versions: a new upload of the same file keeps the old one", async () => {
          expectError(
            await call("bob", "POST", `/api/v1/files/${textFile}/versions`, {
              content_type: "text/plain",
              size_bytes: 4,
            }),
            403,
            "not_file_owner",
          );
          const v2bytes = enc.encode("revised notes");
          const u = await call<UploadUrl>("alice", "POST", `/api/v1/files/${textFile}/versions`, {
            filename: "notes-v2.txt",
            content_type: "text/plain",
            size_bytes: v2bytes.length,
          });
          expectStatus(u, 201);
          assert.equal(u.body.file_id, textFile);
          assert.equal(u.body.version, 2);
          // Until version 2 is confirmed, downloads serve version 1.
          const before = await download("bob", `/api/v1/files/${textFile}/download`);
          assert.equal(before.bytes!.length, 1400);
          assert.equal(await put(u.body, v2bytes), 200);
          const done = await confirm("alice", textFile);
          expectStatus(done, 200);
          assert.equal(done.body.version, 2);
          assert.equal(done.body.versions, 2);
          assert.equal(done.body.filename, "notes-v2.txt");
          const list = await call<
            { versions: { n: number; size_bytes: number; version_id: string }[] }
          >(
            "bob",
            "GET",
            `/api/v1/files/${textFile}/versions`,
          );
          expectStatus(list, 200);
          assert.deepEqual(list.body.versions.map((v) => [v.n, v.size_bytes]), [[2, 13], [
            1,
            1400,
          ]]);
          assert.notEqual(list.body.versions[0]!.version_id, list.body.versions[1]!.version_id);
          const now = await download("bob", `/api/v1/files/${textFile}/download`);
          assert.equal(new TextDecoder().decode(now.bytes!), "revised notes");
          const old = await download("bob", `/api/v1/files/${textFile}/download?version=1`);
          assert.equal(old.bytes!.length, 1400);
          const doc = await target.docs.collection("files").findOne({ file_id: textFile });
          assert.equal((doc?.versions as unknown[]).length, 2);
          assert.equal(doc?.filename, "notes-v2.txt");
        });

        await t.step("DMs: uploads and attachments work the same way", async () => {
          const dm = await call<{ id: string }>("alice", "POST", `/api/v1/workspaces/${wid}/dms`, {
            user_ids: [ids.bob],
          });
          const f = await upload("bob", "for-alice.txt", "text/plain", enc.encode("hi alice"), {
            dm_id: dm.body.id,
          });
          expectStatus(f.confirmed, 200);
          assert.equal(f.confirmed.body.dm_id, dm.body.id);
          const sent = await call<Message>("bob", "POST", `/api/v1/dms/${dm.body.id}/messages`, {
            content: "here",
            file_ids: [f.url.file_id],
          });
          expectStatus(sent, 201);
          const dl = await download("alice", `/api/v1/files/${f.url.file_id}/download`);
          assert.equal(new TextDecoder().decode(dl.bytes!), "hi alice");
          expectError(
            await call("carol", "GET", `/api/v1/files/${f.url.file_id}`),
            404,
            "file_not_found",
          );
        });

        await t.step("a deleted message's files stop being downloadable", async () => {
          expectStatus(await call("alice", "DELETE", `/api/v1/messages/${message}`), 204);
          expectError(await call("bob", "GET", `/api/v1/files/${textFile}`), 404, "file_not_found");
          expectError(
            await call("alice", "GET", `/api/v1/files/${textFile}/download`),
            404,
            "file_not_found",
          );
          const tomb = await call<Message>("bob", "GET", `/api/v1/messages/${message}`);
          assert.deepEqual(tomb.body.files, []);
        });

        await t.step("file.uploaded went through the outbox for each clean version", async () => {
          const rows = await target.sql.query<
            { topic: string; payload: { data: { file_id: string; version: number } } }
          >(
            "select topic, payload from outbox where topic = 'file.uploaded' and aggregate_id = $1 order by id",
            [textFile],
          );
          assert.deepEqual(rows.map((r) => r.payload.data.version), [1, 2]);
          const none = await target.sql.query(
            "select 1 from outbox where topic = 'file.uploaded' and aggregate_id = $1",
            [eicar],
          );
          assert.equal(none.length, 0, "an infected upload publishes nothing");
        });
      } finally {
        await target.close();
      }
    },
  });
}
