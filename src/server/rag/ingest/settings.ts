import "server-only";
import path from "node:path";
import { env } from "@/src/server/env";
import type { ChunkingOptions } from "@/src/server/rag/chunk/chunker";

/** Chunking settings from env; the overlap is capped at half the target. */
export function chunkingFromEnv(): ChunkingOptions {
  const settings = env();
  const targetTokens = settings.QUIRE_CHUNK_TOKENS;
  return {
    targetTokens,
    overlapTokens: Math.min(settings.QUIRE_CHUNK_OVERLAP, Math.floor(targetTokens / 2)),
    ...(settings.QUIRE_DOCS_BASE_URL && { baseUrl: settings.QUIRE_DOCS_BASE_URL }),
  };
}

/** QUIRE_DOCS_DIR as an absolute path (relative paths are taken from the working directory). */
export function docsDirFromEnv(): string {
  return path.resolve(/*turbopackIgnore: true*/ env().QUIRE_DOCS_DIR);
}
