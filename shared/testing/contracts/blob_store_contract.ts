import assert from "node:assert/strict";
import type { BlobStore } from "@colink/platform";
import { sleep, uniqueSuffix } from "../wait.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** The BlobStore port's contract, including direct uploads and downloads through signed URLs. */
export function blobStoreContract(
  adapter: string,
  make: () => Promise<{ store: BlobStore; dispose(): Promise<void> }>,
): void {
  Deno.test({
    name: `blob store contract [${adapter}]`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const { store, dispose } = await make();
      const p = `contract/${uniqueSuffix()}`;
      try {
        await t.step("put() then get() returns the bytes and content type", async () => {
          const { versionId } = await store.put(`${p}/a.txt`, bytes("hello"), {
            contentType: "text/plain",
          });
          const got = await store.get(`${p}/a.txt`);
          assert.ok(got);
          assert.equal(text(got.bytes), "hello");
          assert.equal(got.contentType, "text/plain");
          assert.equal(got.versionId, versionId);
        });

        await t.step("get() of a missing key is null", async () => {
          assert.equal(await store.get(`${p}/nope`), null);
        });

        await t.step("every put() keeps a version; old versions stay readable", async () => {
          const v1 = await store.put(`${p}/v.txt`, bytes("one"), { contentType: "text/plain" });
          const v2 = await store.put(`${p}/v.txt`, bytes("two!"), { contentType: "text/plain" });
          assert.notEqual(v1.versionId, v2.versionId);
          const versions = await store.listVersions(`${p}/v.txt`);
          assert.deepEqual(versions.map((v) => v.versionId), [v2.versionId, v1.versionId]);
          assert.deepEqual(versions.map((v) => v.size), [4, 3]);
          assert.deepEqual(versions.map((v) => v.isLatest), [true, false]);
          assert.equal(text((await store.get(`${p}/v.txt`))!.bytes), "two!");
          assert.equal(
            text((await store.get(`${p}/v.txt`, { versionId: v1.versionId }))!.bytes),
            "one",
          );
        });

        await t.step("stat() gives a version's size and type without its bytes", async () => {
          const v1 = await store.put(`${p}/s.txt`, bytes("12345"), { contentType: "text/plain" });
          await store.put(`${p}/s.txt`, bytes("1234567"), { contentType: "text/csv" });
          const latest = await store.stat(`${p}/s.txt`);
          assert.equal(latest?.size, 7);
          assert.equal(latest?.contentType, "text/csv");
          const old = await store.stat(`${p}/s.txt`, { versionId: v1.versionId });
          assert.equal(old?.size, 5);
          assert.equal(old?.versionId, v1.versionId);
          assert.equal(await store.stat(`${p}/missing`), null);
        });

        await t.step("open() streams a version, or a byte range of it", async () => {
          const big = new Uint8Array(300_000).map((_, i) => i % 251);
          const { versionId } = await store.put(`${p}/big.bin`, big, {
            contentType: "application/octet-stream",
          });
          await store.put(`${p}/big.bin`, bytes("newer"), { contentType: "text/plain" });
          const whole = await new Response(await store.open(`${p}/big.bin`, { versionId }))
            .arrayBuffer();
          assert.deepEqual(new Uint8Array(whole), big);
          const part = await new Response(
            await store.open(`${p}/big.bin`, { versionId, range: { start: 70_000, end: 70_009 } }),
          ).arrayBuffer();
          assert.deepEqual(new Uint8Array(part), big.subarray(70_000, 70_010));
          assert.equal(await store.open(`${p}/missing`), null);
        });

        await t.step("deleteVersion() removes one version and keeps the others", async () => {
          const a = await store.put(`${p}/dv.txt`, bytes("a"), { contentType: "text/plain" });
          const b = await store.put(`${p}/dv.txt`, bytes("bb"), { contentType: "text/plain" });
          await store.deleteVersion(`${p}/dv.txt`, b.versionId);
          assert.deepEqual((await store.listVersions(`${p}/dv.txt`)).map((v) => v.versionId), [
            a.versionId,
          ]);
          assert.equal(await store.stat(`${p}/dv.txt`, { versionId: b.versionId }), null);
          assert.equal(
            text((await store.get(`${p}/dv.txt`, { versionId: a.versionId }))!.bytes),
            "a",
          );
        });

        await t.step("a presigned PUT stores exactly the signed upload", async () => {
          const body = bytes("direct upload");
          const req = await store.presignPut(`${p}/up.bin`, {
            contentType: "application/octet-stream",
            contentLength: body.length,
            expiresInSec: 60,
          });
          assert.equal(req.method, "PUT");
          const res = await fetch(req.url, { method: "PUT", headers: req.headers, body });
          await res.body?.cancel();
          assert.equal(res.status, 200);
          const got = await store.get(`${p}/up.bin`);
          assert.equal(text(got!.bytes), "direct upload");
        });

        await t.step("a presigned PUT refuses another content type", async () => {
          const body = bytes("<script>");
          const req = await store.presignPut(`${p}/ct.bin`, {
            contentType: "image/png",
            contentLength: body.length,
            expiresInSec: 60,
          });
          const res = await fetch(req.url, {
            method: "PUT",
            headers: { "content-type": "text/html" },
            body,
          });
          await res.body?.cancel();
          assert.equal(res.status, 403);
          assert.equal(await store.get(`${p}/ct.bin`), null);
        });

        await t.step("a presigned PUT refuses a body of another length", async () => {
          const req = await store.presignPut(`${p}/len.bin`, {
            contentType: "application/octet-stream",
            contentLength: 4,
            expiresInSec: 60,
          });
          const res = await fetch(req.url, {
            method: "PUT",
            headers: req.headers,
            body: bytes("too long body"),
          });
          await res.body?.cancel();
          assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}`);
          assert.equal(await store.get(`${p}/len.bin`), null);
        });

        await t.step("a presigned GET downloads, with the download name when asked", async () => {
          await store.put(`${p}/dl.txt`, bytes("download me"), { contentType: "text/plain" });
          const req = await store.presignGet(`${p}/dl.txt`, {
            expiresInSec: 60,
            downloadName: "résumé.txt",
          });
          const res = await fetch(req.url);
          assert.equal(res.status, 200);
          assert.equal(await res.text(), "download me");
          assert.match(
            res.headers.get("content-disposition") ?? "",
            /attachment; filename=.*r%C3%A9sum%C3%A9\.txt/,
          );
        });

        await t.step("a presigned GET can ask for inline display", async () => {
          const req = await store.presignGet(`${p}/dl.txt`, {
            expiresInSec: 60,
            downloadName: "shown.txt",
            disposition: "inline",
          });
          const res = await fetch(req.url);
          await res.body?.cancel();
          assert.equal(res.status, 200);
          assert.match(
            res.headers.get("content-disposition") ?? "",
            /^inline; filename="shown\.txt"/,
          );
        });

        await t.step("a URL signed for one key does not open another", async () => {
          await store.put(`${p}/other.txt`, bytes("secret"), { contentType: "text/plain" });
          const req = await store.presignGet(`${p}/dl.txt`, { expiresInSec: 60 });
          const res = await fetch(req.url.replace("/dl.txt", "/other.txt"));
          await res.body?.cancel();
          assert.equal(res.status, 403);
          const put = await store.presignPut(`${p}/put-a.bin`, {
            contentType: "text/plain",
            contentLength: 3,
            expiresInSec: 60,
          });
          const moved = await fetch(put.url.replace("/put-a.bin", "/put-b.bin"), {
            method: "PUT",
            headers: put.headers,
            body: bytes("abc"),
          });
          await moved.body?.cancel();
          assert.equal(moved.status, 403);
          assert.equal(await store.stat(`${p}/put-b.bin`), null);
        });

        await t.step("a tampered or expired signed URL is refused", async () => {
          const req = await store.presignGet(`${p}/dl.txt`, { expiresInSec: 1 });
          const u = new URL(req.url);
          const sigParam = [...u.searchParams.keys()].find((k) => /^(s|X-Amz-Signature)$/.test(k))!;
          const sig = u.searchParams.get(sigParam)!;
          u.searchParams.set(sigParam, (sig[0] === "a" ? "b" : "a") + sig.slice(1));
          const tampered = await fetch(u);
          await tampered.body?.cancel();
          assert.equal(tampered.status, 403);
          await sleep(2100);
          const expired = await fetch(req.url);
          await expired.body?.cancel();
          assert.equal(expired.status, 403);
        });

        await t.step("purge() removes every version", async () => {
          await store.purge(`${p}/v.txt`);
          assert.equal(await store.get(`${p}/v.txt`), null);
          assert.deepEqual(await store.listVersions(`${p}/v.txt`), []);
        });
      } finally {
        await store.close();
        await dispose();
      }
    },
  });
}
