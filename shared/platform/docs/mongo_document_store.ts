import { MongoClient, MongoServerError } from "mongodb";
import {
  type Doc,
  type DocumentCollection,
  type DocumentStore,
  DuplicateKeyError,
} from "./port.ts";

const noId = { projection: { _id: 0 } } as const;

/** The real document store: MongoDB (or a wire-compatible server) through the official driver. */
export async function createMongoDocumentStore(
  o: { url: string; db: string },
): Promise<DocumentStore> {
  const client = new MongoClient(o.url, { serverSelectionTimeoutMS: 5_000, appName: "colink" });
  await client.connect();
  const db = client.db(o.db);
  const dup = (name: string) => (e: unknown) => {
    // MongoDB says 11000; FerretDB v1 on SQLite reports a unique violation during an update as
    // a generic error carrying SQLite's message.
    if (
      e instanceof MongoServerError &&
      (e.code === 11000 || /UNIQUE constraint failed|duplicate key/i.test(e.message))
    ) throw new DuplicateKeyError(name);
    throw e;
  };
  return {
    kind: "mongo",
    collection<T extends Doc>(name: string): DocumentCollection<T> {
      const c = db.collection(name);
      return {
        async insertOne(doc) {
          // The driver adds _id to the object it is given; keep the caller's object untouched.
          await c.insertOne({ ...doc }).catch(dup(name));
        },
        findOne: async (filter) => (await c.findOne(filter, noId)) as T | null,
        find: async (filter, opts = {}) => {
          let cur = c.find(filter, noId);
          if (opts.sort) cur = cur.sort(opts.sort);
          if (opts.skip) cur = cur.skip(opts.skip);
          if (opts.limit) cur = cur.limit(opts.limit);
          return (await cur.toArray()) as unknown as T[];
        },
        async updateOne(filter, update) {
          const res = await c.updateOne(filter, update as Doc).catch(dup(name));
          return res.matchedCount;
        },
        async deleteOne(filter) {
          return (await c.deleteOne(filter)).deletedCount;
        },
        count: (filter) => c.countDocuments(filter),
        async ensureIndex(fields, opts = {}) {
          await c.createIndex(fields, { unique: !!opts.unique });
        },
      };
    },
    async ping() {
      await db.command({ ping: 1 });
    },
    async close() {
      await client.close();
    },
  };
}
