import { EJSON } from "bson";
import {
  type Condition,
  type Doc,
  type DocumentCollection,
  type DocumentStore,
  DuplicateKeyError,
  type Filter,
  type FindOptions,
  type Update,
} from "./port.ts";

const getPath = (doc: Doc, path: string): unknown =>
  path.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], doc);

function setPath(doc: Doc, path: string, value: unknown) {
  const keys = path.split(".");
  let cur = doc as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) {
    if (typeof cur[k] !== "object" || cur[k] === null) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys.at(-1)!] = value;
}

const norm = (v: unknown) => (v instanceof Date ? v.getTime() : v);
function compare(a: unknown, b: unknown): number {
  const x = norm(a), y = norm(b);
  if (x === y) return 0;
  if (x === undefined || x === null) return -1;
  if (y === undefined || y === null) return 1;
  return (x as number) < (y as number) ? -1 : 1;
}

function matchesCondition(value: unknown, cond: Condition): boolean {
  if (cond !== null && typeof cond === "object" && !(cond instanceof Date)) {
    const c = cond as Record<string, unknown>;
    if ("$in" in c) return (c.$in as unknown[]).some((x) => compare(value, x) === 0);
    if ("$ne" in c) return compare(value, c.$ne) !== 0;
    if (value === undefined || value === null) return false;
    return (c.$gt === undefined || compare(value, c.$gt) > 0) &&
      (c.$gte === undefined || compare(value, c.$gte) >= 0) &&
      (c.$lt === undefined || compare(value, c.$lt) < 0) &&
      (c.$lte === undefined || compare(value, c.$lte) <= 0);
  }
  if (cond === null) return value === null || value === undefined;
  return compare(value, cond) === 0;
}

const matches = (doc: Doc, filter: Filter) =>
  Object.entries(filter).every(([path, cond]) => matchesCondition(getPath(doc, path), cond));

/**
 * Embedded document store: collections in memory, written through to one EJSON file per
 * collection (temp file + rename) so `deno task dev` keeps its data across restarts.
 */
export async function createMemoryDocumentStore(
  opts: { dir?: string } = {},
): Promise<DocumentStore> {
  const collections = new Map<string, { docs: Doc[]; unique: string[][] }>();
  if (opts.dir) {
    await Deno.mkdir(opts.dir, { recursive: true });
    for await (const e of Deno.readDir(opts.dir)) {
      if (!e.isFile || !e.name.endsWith(".ejson")) continue;
      const saved = EJSON.parse(await Deno.readTextFile(`${opts.dir}/${e.name}`), {
        relaxed: false,
      }) as {
        docs: Doc[];
        unique: string[][];
      };
      collections.set(e.name.slice(0, -6), saved);
    }
  }
  let writes = Promise.resolve();
  const persist = (name: string) => {
    if (!opts.dir) return Promise.resolve();
    const dir = opts.dir;
    const snapshot = EJSON.stringify(collections.get(name)!, { relaxed: false });
    writes = writes.then(async () => {
      const tmp = `${dir}/.${name}.tmp`;
      await Deno.writeTextFile(tmp, snapshot);
      await Deno.rename(tmp, `${dir}/${name}.ejson`);
    });
    return writes;
  };

  function collection<T extends Doc>(name: string): DocumentCollection<T> {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`invalid collection name ${name}`);
    const state = () => {
      let c = collections.get(name);
      if (!c) {
        c = { docs: [], unique: [] };
        collections.set(name, c);
      }
      return c;
    };
    const violates = (candidate: Doc, except?: Doc) =>
      state().unique.some((fields) =>
        state().docs.some((d) =>
          d !== except && fields.every((f) => compare(getPath(d, f), getPath(candidate, f)) === 0)
        )
      );
    const select = (filter: Filter, o: FindOptions = {}) => {
      let out = state().docs.filter((d) => matches(d, filter));
      if (o.sort) {
        const keys = Object.entries(o.sort);
        out = [...out].sort((a, b) => {
          for (const [k, dir] of keys) {
            const c = compare(getPath(a, k), getPath(b, k));
            if (c) return c * dir;
          }
          return 0;
        });
      }
      return out.slice(o.skip ?? 0, o.limit ? (o.skip ?? 0) + o.limit : undefined);
    };
    return {
      async insertOne(doc) {
        const copy = structuredClone(doc) as Doc;
        delete copy._id;
        if (violates(copy)) throw new DuplicateKeyError(name);
        state().docs.push(copy);
        await persist(name);
      },
      findOne: (filter) =>
        Promise.resolve((structuredClone(select(filter, { limit: 1 })[0]) ?? null) as T | null),
      find: (filter, o) => Promise.resolve(structuredClone(select(filter, o)) as T[]),
      async updateOne(filter, update: Update) {
        const target = select(filter, { limit: 1 })[0];
        if (!target) return 0;
        const next = structuredClone(target);
        for (const [k, v] of Object.entries(update.$set ?? {})) {
          setPath(next, k, structuredClone(v));
        }
        for (const [k, v] of Object.entries(update.$inc ?? {})) {
          setPath(next, k, Number(getPath(next, k) ?? 0) + v);
        }
        for (const [k, v] of Object.entries(update.$push ?? {})) {
          const arr = getPath(next, k);
          setPath(next, k, [...(Array.isArray(arr) ? arr : []), structuredClone(v)]);
        }
        if (violates(next, target)) throw new DuplicateKeyError(name);
        Object.keys(target).forEach((k) => delete target[k]);
        Object.assign(target, next);
        await persist(name);
        return 1;
      },
      async deleteOne(filter) {
        const target = select(filter, { limit: 1 })[0];
        if (!target) return 0;
        state().docs = state().docs.filter((d) => d !== target);
        await persist(name);
        return 1;
      },
      count: (filter) => Promise.resolve(select(filter).length),
      async ensureIndex(fields, o = {}) {
        if (!o.unique) return;
        const keys = Object.keys(fields);
        if (state().unique.some((u) => u.join() === keys.join())) return;
        state().unique.push(keys);
        await persist(name);
      },
    };
  }

  return {
    kind: "memory",
    collection,
    ping: () => Promise.resolve(),
    close: () => writes,
  };
}
