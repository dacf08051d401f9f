import "server-only";
import { locationLabel } from "@/src/shared/sources";

/**
 * The typed values that flow between the ingestion stages:
 * SourceDocument (load) → Chunk (chunk) → stored chunk → EmbeddedChunk (embed) → index.
 */

/** A docs file after loading: frontmatter read, MDX noise stripped. */
export interface SourceDocument {
  /** Path relative to the docs folder, with `/` separators. */
  path: string;
  title: string;
  /** The page's own URL from frontmatter (`url` or `source_url`), if any. */
  url: string | null;
  /** Frontmatter `date`, as written (ISO date preferred). */
  date: string | null;
  /** Frontmatter `updated_at` (or `last_updated`, `updated`, `lastmod`): when the page last changed. */
  updated: string | null;
  /** Markdown body without frontmatter, imports and bare JSX components. */
  body: string;
  /** sha256 of the raw file bytes. */
  contentHash: string;
}

/** One retrievable piece of a document. Never straddles a heading it does not start at; never splits a code fence. */
export interface Chunk {
  path: string;
  ordinal: number;
  title: string;
  /** Heading path, e.g. `Guide > Install > Linux`; empty before the first heading. */
  heading: string;
  /** URL of the exact section when one is known (frontmatter URL or base URL, plus the anchor). */
  url: string | null;
  text: string;
  tokenCount: number;
}

/** A stored chunk that still needs a vector. */
export interface PendingChunk {
  id: string;
  title: string;
  heading: string;
  text: string;
}

export interface EmbeddedChunk {
  chunkId: string;
  embedding: number[];
}

/** The embedding model of an index. A query vector from another space is never compared against it. */
export interface EmbeddingSpace {
  model: string;
  dimensions: number;
}

/** A chunk found by a search, with its store-side score (cosine similarity or text rank). */
export interface ScoredChunk {
  id: string;
  path: string;
  title: string;
  heading: string;
  url: string | null;
  text: string;
  score: number;
  /** When the source says the document last changed (read by the source viewer only). */
  updatedAt?: string | null;
}

export interface IngestSummary {
  added: number;
  updated: number;
  /** Files moved with their content unchanged: re-linked in place, no embedding call (absent on older records). */
  renamed?: number;
  removed: number;
  unchanged: number;
  chunks: number;
  embedded: number;
  embeddingCalls: number;
  embeddingSkippedReason?: string;
  durationMs: number;
  /**
   * Files skipped because they could not be read, decoded, parsed or stored, and
   * folders (ending in `/`) that could not be listed; the rest was ingested. A
   * skipped file's earlier version, if any, stays in the index. Never file content.
   */
  failed: { path: string; reason: string }[];
}

/** Where a chunk sits, e.g. `Guide > Install > Linux`, without repeating a title that the heading path starts with. */
export function chunkLocation(chunk: { title: string; heading: string }): string {
  return locationLabel(chunk, " > ");
}

/** The text that is embedded for a chunk: where it sits, then what it says. */
export function embeddingInput(chunk: { title: string; heading: string; text: string }): string {
  return `${chunkLocation(chunk)}\n\n${chunk.text}`;
}

/** Embedding model names compare case-insensitively: Chutes says `BAAI/bge-m3`, OpenRouter `baai/bge-m3`. */
export function sameEmbeddingSpace(left: EmbeddingSpace, right: EmbeddingSpace): boolean {
  return left.dimensions === right.dimensions && left.model.toLowerCase() === right.model.toLowerCase();
}
