/** A stored document: plain JSON-like values and Dates. `_id` is the store's business, never ours. */
export type Doc = Record<string, unknown>;

type Scalar = string | number | boolean | null | Date;
export type Condition =
  | Scalar
  | { $in: Scalar[] }
  | { $ne: Scalar }
  | { $gt?: Scalar; $gte?: Scalar; $lt?: Scalar; $lte?: Scalar };
/** Field (dotted paths allowed) → condition; all must hold. The subset both adapters support. */
export type Filter = Record<string, Condition>;

export interface FindOptions {
  sort?: Record<string, 1 | -1>;
  limit?: number;
  skip?: number;
}

export interface Update {
  $set?: Doc;
  $push?: Doc;
  $inc?: Record<string, number>;
}

export class DuplicateKeyError extends Error {
  constructor(collection: string) {
    super(`duplicate key in ${collection}`);
    this.name = "DuplicateKeyError";
  }
}

export interface DocumentCollection<T extends Doc = Doc> {
  /** Throws DuplicateKeyError when a unique index rejects it. */
  insertOne(doc: T): Promise<void>;
  findOne(filter: Filter): Promise<T | null>;
  find(filter: Filter, opts?: FindOptions): Promise<T[]>;
  /** Applies to the first match; returns how many matched (0 or 1). */
  updateOne(filter: Filter, update: Update): Promise<number>;
  deleteOne(filter: Filter): Promise<number>;
  count(filter: Filter): Promise<number>;
  ensureIndex(fields: Record<string, 1 | -1>, opts?: { unique?: boolean }): Promise<void>;
}

/** Document-store port: MongoDB (or a wire-compatible server) through the official driver, or embedded. */
export interface DocumentStore {
  readonly kind: "mongo" | "memory";
  collection<T extends Doc = Doc>(name: string): DocumentCollection<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
