import { documentStoreContract, realServers, requireServer } from "@colink/testing";
import { createMongoDocumentStore } from "./mongo_document_store.ts";

documentStoreContract("mongo", () => {
  const { MONGO_URL, MONGO_DB } = realServers();
  return requireServer(
    "MongoDB",
    MONGO_URL,
    () => createMongoDocumentStore({ url: MONGO_URL, db: `${MONGO_DB}_contract` }),
  );
});
