import { z } from "zod";

/** The search service's settings: which index answers. */
export const SearchConfig = z.object({
  /** OpenSearch's URL; unset: the PostgreSQL index (full text + trigrams), in both modes. */
  OPENSEARCH_URL: z.url().optional(),
  /** Index names are this plus `messages` / `files` (several deployments can share a cluster). */
  OPENSEARCH_INDEX_PREFIX: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/).default("colink-"),
});
export type SearchConfig = z.infer<typeof SearchConfig>;
