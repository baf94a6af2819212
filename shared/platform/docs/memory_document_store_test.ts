import assert from "node:assert/strict";
import { documentStoreContract } from "@colink/testing";
import { createMemoryDocumentStore } from "./memory_document_store.ts";

documentStoreContract("memory", () => createMemoryDocumentStore());

Deno.test("createMemoryDocumentStore() keeps documents and unique indexes across restarts", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await createMemoryDocumentStore({ dir });
    await first.collection("files").ensureIndex({ file_id: 1 }, { unique: true });
    await first.collection("files").insertOne({ file_id: "a", at: new Date(5) });
    await first.close();
    const second = await createMemoryDocumentStore({ dir });
    assert.deepEqual(await second.collection("files").findOne({ file_id: "a" }), {
      file_id: "a",
      at: new Date(5),
    });
    await assert.rejects(second.collection("files").insertOne({ file_id: "a" }));
    await second.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
