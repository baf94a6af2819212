import { createChatDeps } from "@colink/conversations";
import { defineService, type ServiceDeps } from "@colink/runtime";
import type { FilesDeps } from "./actions/deps.ts";
import { runFilesHousekeeping } from "./actions/housekeeping.ts";
import { FILES_COLLECTION } from "./actions/metadata_document.ts";
import { FilesConfig } from "./config.ts";
import { followMessages } from "./actions/follow_messages.ts";
import { filesRoutes } from "./routes/files_routes.ts";

type Deps = ServiceDeps<"sql" | "bus" | "kv" | "blobs" | "docs" | "scanner", FilesConfig>;

const built = new WeakMap<object, FilesDeps>();
/** One set of action dependencies per process, shared by the routes and the housekeeping. */
function filesDeps(d: Deps): FilesDeps {
  let f = built.get(d.infra);
  if (!f) {
    f = {
      chat: createChatDeps({
        sql: d.infra.sql,
        kv: d.infra.kv,
        eventsCommitted: d.eventsCommitted,
      }),
      blobs: d.infra.blobs,
      docs: d.infra.docs,
      scanner: d.infra.scanner,
      config: d.config,
      bucket: d.infra.blobs.kind === "s3" ? d.env.S3_BUCKET : "local",
      logger: d.logger,
    };
    built.set(d.infra, f);
  }
  return f;
}

/** The files service: presigned uploads, content checks, virus scan, versions, downloads. */
export const filesService = defineService({
  name: "files",
  needs: ["sql", "bus", "kv", "blobs", "docs", "scanner"],
  paths: [{ prefix: "/api/v1/files", access: "caller" }],
  publishesEvents: true,
  config: FilesConfig,
  background: (d) => {
    const f = filesDeps(d);
    // The metadata documents are found by file id (and unique by it), in both stores.
    f.docs.collection(FILES_COLLECTION).ensureIndex({ file_id: 1 }, { unique: true }).catch((e) =>
      d.logger.warn("files: could not ensure the metadata index", { err: e })
    );
    const stopHousekeeping = runFilesHousekeeping(f);
    const following = followMessages(f, d.infra.bus).catch((e) => {
      d.logger.error("files: cannot follow messages for the metadata documents", { err: e });
      return undefined;
    });
    return async () => {
      await (await following)?.close();
      await stopHousekeeping();
    };
  },
  routes: (d) => filesRoutes(filesDeps(d), d.auth),
});
