import { blobStoreContract } from "@colink/testing";
import { createFsBlobStore, type FsBlobStore } from "./fs_blob_store.ts";

blobStoreContract("fs", async () => {
  const root = await Deno.makeTempDir();
  const ref: { store?: FsBlobStore } = {};
  // The signed URLs point at CoLink itself; here a bare server stands in for the gateway route.
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    (req) => ref.store!.handle(req),
  );
  const store = ref.store = await createFsBlobStore({
    root,
    publicBaseUrl: `http://127.0.0.1:${server.addr.port}`,
    signingSecret: crypto.randomUUID() + crypto.randomUUID(),
  });
  return {
    store,
    async dispose() {
      await server.shutdown();
      await Deno.remove(root, { recursive: true });
    },
  };
});
