import "server-only";
import { createHash } from "node:crypto";
import { chunkDocument, type ChunkingOptions } from "@/src/server/rag/chunk/chunker";
import { embedPendingChunks } from "@/src/server/rag/ingest/embed-pending";
import type { EmbedFunction } from "@/src/server/rag/ingest/embedder";
import type { ProgressListener } from "@/src/server/rag/ingest/progress";
import type { RetryOptions } from "@/src/server/rag/ingest/retry";
import { DocumentLoadError, listDocumentFiles, loadDocument } from "@/src/server/rag/load/load-documents";
import { log } from "@/src/server/log";
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
  /** Checked before each file and before embedding: an aborted run stops there, and the next run completes it. */
  signal?: AbortSignal;
  /** Where skipped files are reported (default: the server log). */
  logger?: { warn: (object: object, message: string) => void };
}

type IngestFailure = IngestSummary["failed"][number];

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
  failed: IngestFailure[];
}

/**
 * One file failing in the store is the file's doing (PostgreSQL may refuse its content)
 * and its transaction rolled back; this many in a row is the store's, and stops the run.
 */
const MAX_STORE_FAILURES_IN_A_ROW = 5;

class StoreWriteError extends DocumentLoadError {}

type FileOutcome = { outcome: "added" | "updated" | "unchanged"; chunks: number };

/** Loads, chunks and writes one file. Every failure is a DocumentLoadError naming the file. */
async function syncFile(options: IngestOptions, file: string, storedChecksum: string | undefined): Promise<FileOutcome> {
  const document = await loadDocument(options.docsDir, file);
  const checksum = documentChecksum(document.contentHash, options.chunking);
  if (storedChecksum === checksum) return { outcome: "unchanged", chunks: 0 };
  let chunks;
  try {
    chunks = chunkDocument(document, options.chunking);
  } catch (error) {
    throw new DocumentLoadError(file, `could not be chunked (${(error as Error).name})`, { cause: error });
  }
  try {
    await options.store.replaceDocument({ path: file, title: document.title, url: document.url, date: document.date, checksum }, chunks);
  } catch (error) {
    // PostgreSQL's primary message names the constraint or encoding, not the values (those are in its detail).
    throw new StoreWriteError(file, `the index refused it: ${(error as Error).message}`, { cause: error });
  }
  return { outcome: storedChecksum === undefined ? "added" : "updated", chunks: chunks.length };
}

/**
 * Brings the stored documents in line with the folder: new and changed files re-chunked, deleted ones removed.
 * A file that cannot be read, decoded, parsed or written is skipped and reported; its earlier version, if
 * any, stays in the index, as do the stored files of a folder that cannot be listed.
 */
async function syncDocuments(options: IngestOptions): Promise<SyncCounts> {
  const { store, docsDir, onProgress } = options;
  const counts: SyncCounts = { added: 0, updated: 0, removed: 0, unchanged: 0, chunks: 0, failed: [] };
  const fail = (error: DocumentLoadError): void => {
    counts.failed.push({ path: error.path, reason: error.message });
    (options.logger ?? log()).warn({ path: error.path, reason: error.message }, "ingest skipped a docs file");
  };
  const files = await listDocumentFiles(docsDir, { onUnreadableFolder: fail });
  onProgress?.({ stage: "scan", files: files.length });
  const stored = new Map((await store.listDocuments()).map((document) => [document.path, document.checksum]));
  let storeFailures = 0;
  for (const [index, file] of files.entries()) {
    options.signal?.throwIfAborted();
    let chunkCount = 0;
    try {
      const { outcome, chunks } = await syncFile(options, file, stored.get(file));
      counts[outcome]++;
      counts.chunks += chunks;
      chunkCount = chunks;
      storeFailures = 0;
    } catch (error) {
      if (!(error instanceof DocumentLoadError)) throw error;
      if (error instanceof StoreWriteError && ++storeFailures >= MAX_STORE_FAILURES_IN_A_ROW) {
        throw new Error(`The index refused ${storeFailures} files in a row; the last one, ${file}: ${error.message}`, { cause: error });
      }
      fail(error);
    }
    onProgress?.({ stage: "file", done: index + 1, total: files.length, path: file, chunks: chunkCount });
  }
  const present = new Set(files);
  const unlisted = counts.failed.filter((failure) => failure.path.endsWith("/")).map((failure) => failure.path);
  const gone = [...stored.keys()].filter((path) => !present.has(path) && !unlisted.some((folder) => path.startsWith(folder)));
  counts.removed = await store.removeDocuments(gone);
  return counts;
}

async function embedIfKeyed(options: IngestOptions): Promise<{ embedded: number; embeddingCalls: number; embeddingSkippedReason?: string }> {
  if (options.embed === null) {
    return { embedded: 0, embeddingCalls: 0, embeddingSkippedReason: "no operator key (set CHUTES_API_KEY or OPENROUTER_API_KEY): full-text search only" };
  }
  try {
    const result = await embedPendingChunks({
      store: options.store,
      embed: options.embed,
      batchSize: options.embedBatchSize,
      retry: options.retry,
      onProgress: options.onProgress,
    });
    return { embedded: result.embedded, embeddingCalls: result.calls };
  } catch (error) {
    return { embedded: 0, embeddingCalls: 0, embeddingSkippedReason: `embedding failed: ${(error as Error).message}` };
  }
}

/**
 * `quire ingest` (issue "Ingestion" §3–4): sync the documents, then embed the
 * chunks that lack vectors. A failed embedding pass keeps the full-text index
 * and is reported in the summary; the next run picks up where it stopped.
 *
 * A run killed midway (kill -9, a container stopped) leaves every document either
 * old or new (each is written in one transaction, its checksum last), so the next
 * run redoes what is missing. What spans the run, the vocabulary rebuilt after the
 * writes, is repaired by the `inProgress` mark: a run that finds it refreshes the
 * vocabulary even when no file changed since.
 */
export async function ingestDirectory(options: IngestOptions): Promise<IngestSummary> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const { store } = options;
  return store.exclusive(async () => {
    const interrupted = (await store.status()).lastIngest?.summary?.inProgress === true;
    await store.recordIngest({ inProgress: true });
    const rebuilt = await store.upgradeLexicalIndex();
    const counts = await syncDocuments(options);
    options.signal?.throwIfAborted();
    if (interrupted || rebuilt || counts.added + counts.updated + counts.removed > 0) await store.refreshLexicon();
    const summary: IngestSummary = { ...counts, ...(await embedIfKeyed(options)), durationMs: Math.round(now() - started) };
    await store.recordIngest({ ...summary });
    return summary;
  });
}
