import { blobStoreContract, realServers, requireServer } from "@colink/testing";
import { createS3BlobStore } from "./s3_blob_store.ts";

blobStoreContract("s3", async () => {
  const env = realServers();
  const store = await requireServer("S3", env.S3_ENDPOINT, () =>
    createS3BlobStore({
      endpoint: env.S3_ENDPOINT,
      region: env.S3_REGION,
      bucket: `${env.S3_BUCKET}-contract`,
      accessKeyId: env.S3_ACCESS_KEY_ID,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY,
    }));
  return { store, dispose: () => Promise.resolve() };
});
