import "server-only";
import { existsSync, statSync } from "node:fs";
import { operatorEmbedder } from "@/src/server/commands/operator";
import { env } from "@/src/server/env";
import { ingestDirectory } from "@/src/server/rag/ingest/ingest";
import type { ProgressListener } from "@/src/server/rag/ingest/progress";
import { chunkingFromEnv, docsDirFromEnv } from "@/src/server/rag/ingest/settings";
import type { KnowledgeStore } from "@/src/server/rag/store";
import type { IngestSummary } from "@/src/server/rag/types";

export interface SyncOptions {
  onProgress?: ProgressListener;
  /** Checked between documents: an aborted sync stops cleanly and the next one completes it. */
  signal?: AbortSignal;
}

/** Refuses a docs folder that is not there, before any store is opened. */
export function assertDocsFolder(docsDir: string): void {
  if (!existsSync(docsDir) || !statSync(docsDir).isDirectory()) throw new Error(`the docs folder ${docsDir} does not exist.`);
}

/** Ingests one docs folder with the configured chunking and the operator's embedder (none without a key). */
export function ingestFolder(store: KnowledgeStore, docsDir: string, options: SyncOptions = {}): Promise<IngestSummary> {
  assertDocsFolder(docsDir);
  return ingestDirectory({
    store,
    docsDir,
    chunking: chunkingFromEnv(),
    embed: operatorEmbedder(),
    embedBatchSize: env().QUIRE_EMBED_BATCH_SIZE,
    onProgress: options.onProgress,
    signal: options.signal,
  });
}

/**
 * What the server re-syncs on QUIRE_SYNC_INTERVAL: today the docs folder
 * (QUIRE_DOCS_DIR), exactly as `quire ingest` does. The one place to point at
 * the declared sources once they exist.
 */
export function runConfiguredSync(store: KnowledgeStore, options: SyncOptions = {}): Promise<IngestSummary> {
  return ingestFolder(store, docsDirFromEnv(), options);
}
