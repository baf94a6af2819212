import assert from "node:assert/strict";
import { type DocumentStore, DuplicateKeyError } from "@colink/platform";
import { uniqueSuffix } from "../wait.ts";

interface FileDoc extends Record<string, unknown> {
  file_id: string;
  channel_id: string;
  size_bytes: number;
  filename: string;
  virus_scan: { status: string; scanned_at?: Date };
  versions: { version_id: string }[];
  created_at: Date;
}

/** The DocumentStore port's contract (file metadata, admin audit blobs). */
export function documentStoreContract(adapter: string, make: () => Promise<DocumentStore>): void {
  Deno.test({
    name: `document store contract [${adapter}]`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const store = await make();
      const files = store.collection<FileDoc>(`files_${uniqueSuffix()}`);
      const doc = (i: number, channel = "c1"): FileDoc => ({
        file_id: `f${i}`,
        channel_id: channel,
        size_bytes: i * 100,
        filename: `file-${i}.txt`,
        virus_scan: { status: "pending" },
        versions: [],
        created_at: new Date(Date.UTC(2026, 0, i)),
      });
      try {
        await t.step(
          "insertOne() then findOne() returns the document without _id, Dates intact",
          async () => {
            const original = doc(1);
            await files.insertOne(original);
            assert.equal("_id" in original, false, "the caller's object is not modified");
            const got = await files.findOne({ file_id: "f1" });
            assert.deepEqual(got, original);
            assert.ok(got!.created_at instanceof Date);
            assert.equal(await files.findOne({ file_id: "nope" }), null);
          },
        );

        await t.step(
          "find() filters with equality, $in, $ne, ranges and dotted paths",
          async () => {
            for (let i = 2; i <= 6; i++) await files.insertOne(doc(i, i % 2 ? "c1" : "c2"));
            const ids = async (f: Parameters<typeof files.find>[0]) =>
              (await files.find(f, { sort: { file_id: 1 } })).map((d) => d.file_id);
            assert.deepEqual(await ids({ channel_id: "c2" }), ["f2", "f4", "f6"]);
            assert.deepEqual(await ids({ file_id: { $in: ["f1", "f3", "zz"] } }), ["f1", "f3"]);
            assert.deepEqual(await ids({ channel_id: { $ne: "c1" }, size_bytes: { $gte: 400 } }), [
              "f4",
              "f6",
            ]);
            assert.deepEqual(await ids({ size_bytes: { $gt: 100, $lt: 400 } }), ["f2", "f3"]);
            assert.deepEqual(await ids({ created_at: { $lte: new Date(Date.UTC(2026, 0, 2)) } }), [
              "f1",
              "f2",
            ]);
            assert.deepEqual(await ids({ "virus_scan.status": "pending", channel_id: "c1" }), [
              "f1",
              "f3",
              "f5",
            ]);
          },
        );

        await t.step("find() sorts, skips and limits", async () => {
          const page = await files.find({}, { sort: { size_bytes: -1 }, skip: 1, limit: 2 });
          assert.deepEqual(page.map((d) => d.file_id), ["f5", "f4"]);
          assert.equal(await files.count({ channel_id: "c1" }), 3);
        });

        await t.step(
          "updateOne() applies $set on dotted paths, $inc and $push to one document",
          async () => {
            const scannedAt = new Date("2026-02-03T04:05:06Z");
            const n = await files.updateOne({ file_id: "f1" }, {
              $set: { "virus_scan.status": "clean", "virus_scan.scanned_at": scannedAt },
              $inc: { size_bytes: 5 },
              $push: { versions: { version_id: "v2" } },
            });
            assert.equal(n, 1);
            const got = await files.findOne({ file_id: "f1" });
            assert.deepEqual(got!.virus_scan, { status: "clean", scanned_at: scannedAt });
            assert.equal(got!.size_bytes, 105);
            assert.deepEqual(got!.versions, [{ version_id: "v2" }]);
            assert.equal(
              await files.updateOne({ file_id: "nope" }, { $set: { filename: "x" } }),
              0,
            );
          },
        );

        await t.step("a unique index rejects duplicates on insert and on update", async () => {
          await files.ensureIndex({ file_id: 1 }, { unique: true });
          await files.ensureIndex({ file_id: 1 }, { unique: true });
          await assert.rejects(files.insertOne(doc(1)), DuplicateKeyError);
          await assert.rejects(
            files.updateOne({ file_id: "f2" }, { $set: { file_id: "f3" } }),
            DuplicateKeyError,
          );
          assert.equal(await files.count({ file_id: "f3" }), 1);
        });

        await t.step("deleteOne() removes one matching document", async () => {
          assert.equal(await files.deleteOne({ file_id: "f6" }), 1);
          assert.equal(await files.deleteOne({ file_id: "f6" }), 0);
          assert.equal(await files.count({}), 5);
        });
      } finally {
        await store.close();
      }
    },
  });
}
