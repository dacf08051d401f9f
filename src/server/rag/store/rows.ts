import "server-only";
import { z } from "zod";
import type { ScoredChunk } from "@/src/server/rag/types";

/**
 * Row shapes read back from SQL. `pg` returns bigint and numeric as strings where
 * PGlite returns numbers, so the SQL casts and these schemas coerce.
 */
export const scoredChunkRowSchema = z
  .object({
    id: z.coerce.string(),
    path: z.string(),
    title: z.string(),
    heading: z.string(),
    url: z.string().nullable(),
    content: z.string(),
    score: z.coerce.number(),
    /** Only the chunk reads (the source viewer) select it. */
    updated_at: z.string().nullable().optional(),
  })
  .transform(
    (row): ScoredChunk => ({
      id: row.id,
      path: row.path,
      title: row.title,
      heading: row.heading,
      url: row.url,
      text: row.content,
      score: row.score,
      ...(row.updated_at !== undefined && { updatedAt: row.updated_at }),
    }),
  );

export const storedDocumentRowSchema = z.object({ path: z.string(), checksum: z.string() });
export type StoredDocument = z.infer<typeof storedDocumentRowSchema>;
export const documentTitleRowSchema = z.object({ title: z.string() });

export const pendingChunkRowSchema = z.object({
  id: z.coerce.string(),
  title: z.string(),
  heading: z.string(),
  content: z.string(),
});

export const embeddingSpaceSchema = z.object({
  model: z.string().min(1),
  dimensions: z.number().int().positive(),
});

export const lastIngestSchema = z.object({
  at: z.string(),
  summary: z.record(z.string(), z.unknown()).optional(),
});
export type LastIngest = z.infer<typeof lastIngestSchema>;

export const countsRowSchema = z.object({
  documents: z.coerce.number(),
  chunks: z.coerce.number(),
});

export function parseRows<T>(schema: z.ZodType<T>, rows: Record<string, unknown>[]): T[] {
  return rows.map((row) => schema.parse(row));
}

/**
 * Formats a vector as a pgvector literal; both drivers pass it as text and SQL
 * casts it. Six significant digits keep float4 precision within ~1e-6 and halve
 * the text of a provider's 17-digit floats, whose parsing dominates bulk loads.
 */
export function toVectorLiteral(embedding: readonly number[]): string {
  return `[${embedding.map((value) => Number(value.toPrecision(6))).join(",")}]`;
}
