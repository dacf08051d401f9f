import { createHash } from "node:crypto";
import { chunkDocument, type ChunkingOptions } from "@/src/server/rag/chunk/chunker";
import { embedPendingChunks } from "@/src/server/rag/ingest/embed-pending";
import type { EmbedFunction } from "@/src/server/rag/ingest/embedder";
import type { ProgressListener } from "@/src/server/rag/ingest/progress";
import type { RetryOptions } from "@/src/server/rag/ingest/retry";
import { listDocumentFiles, loadDocument } from "@/src/server/rag/load/load-documents";
import type { KnowledgeStore } from "@/src/server/rag/store";
import type { IngestSummary } from "@/src/server/rag/types";

export interface IngestOptions {
  store: KnowledgeStore;
  docsDir: string;
  chunking: ChunkingOptions;
  /** null: no operator key; the full-text index is built and vectors wait for a later run. */
  embed: EmbedFunction | null;
  embedBatchSize: number;
  retry?: RetryOptions;
  onProgress?: ProgressListener;
  now?: () => number;
}

/** Bump when loading or chunking changes in a way that old chunks should be redone (2: MDX data exports are kept as lists). */
const CHUNKER_VERSION = 2;

/** The stored checksum covers the file and the chunking settings: changing either redoes the file. */
export function documentChecksum(contentHash: string, chunking: ChunkingOptions): string {
  const settings = `${CHUNKER_VERSION}:${chunking.targetTokens}:${chunking.overlapTokens}:${chunking.baseUrl ?? ""}`;
  return createHash("sha256").update(settings).update("\0").update(contentHash).digest("hex");
}

interface SyncCounts {
  added: number;
  updated: number;
  removed: number;
  unchanged: number;
  chunks: number;
}

/** Brings the stored documents in line with the folder: new and changed files re-chunked, deleted ones removed. */
async function syncDocuments(options: IngestOptions): Promise<SyncCounts> {
  const { store, docsDir, chunking, onProgress } = options;
  const files = await listDocumentFiles(docsDir);
  onProgress?.({ stage: "scan", files: files.length });
  const stored = new Map((await store.listDocuments()).map((document) => [document.path, document.checksum]));
  const counts: SyncCounts = { added: 0, updated: 0, removed: 0, unchanged: 0, chunks: 0 };
  for (const [index, file] of files.entries()) {
    const document = await loadDocument(docsDir, file);
    const checksum = documentChecksum(document.contentHash, chunking);
    let chunkCount = 0;
    if (stored.get(file) === checksum) {
      counts.unchanged++;
    } else {
      const chunks = chunkDocument(document, chunking);
      chunkCount = chunks.length;
      await store.replaceDocument(
        { path: file, title: document.title, url: document.url, date: document.date, checksum },
        chunks,
      );
      if (stored.has(file)) counts.updated++;
      else counts.added++;
      counts.chunks += chunks.length;
    }
    onProgress?.({ stage: "file", done: index + 1, total: files.length, path: file, chunks: chunkCount });
  }
  const present = new Set(files);
  counts.removed = await store.removeDocuments([...stored.keys()].filter((path) => !present.has(path)));
  return counts;
}

/**
 * `quire ingest` (issue "Ingestion" §3–4): sync the documents, then embed the
 * chunks that lack vectors. A failed embedding pass keeps the full-text index
 * and is reported in the summary; the next run picks up where it stopped.
 */
export async function ingestDirectory(options: IngestOptions): Promise<IngestSummary> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  return options.store.exclusive(async () => {
    const rebuilt = await options.store.upgradeLexicalIndex();
    const counts = await syncDocuments(options);
    if (rebuilt || counts.added + counts.updated + counts.removed > 0) await options.store.refreshLexicon();
    let embedded = 0;
    let embeddingCalls = 0;
    let embeddingSkippedReason: string | undefined;
    if (options.embed === null) {
      embeddingSkippedReason = "no operator key (set CHUTES_API_KEY or OPENROUTER_API_KEY): full-text search only";
    } else {
      try {
        const result = await embedPendingChunks({
          store: options.store,
          embed: options.embed,
          batchSize: options.embedBatchSize,
          retry: options.retry,
          onProgress: options.onProgress,
        });
        embedded = result.embedded;
        embeddingCalls = result.calls;
      } catch (error) {
        embeddingSkippedReason = `embedding failed: ${(error as Error).message}`;
      }
    }
    const summary: IngestSummary = {
      ...counts,
      embedded,
      embeddingCalls,
      ...(embeddingSkippedReason !== undefined && { embeddingSkippedReason }),
      durationMs: Math.round(now() - started),
    };
    await options.store.recordIngest({ ...summary });
    return summary;
  });
}
