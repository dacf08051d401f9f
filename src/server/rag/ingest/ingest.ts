import "server-only";
import { createHash } from "node:crypto";
import { chunkDocument, type ChunkingOptions } from "@/src/server/rag/chunk/chunker";
import { embedPendingChunks } from "@/src/server/rag/ingest/embed-pending";
import type { EmbedFunction } from "@/src/server/rag/ingest/embedder";
import type { ProgressListener } from "@/src/server/rag/ingest/progress";
import type { RetryOptions } from "@/src/server/rag/ingest/retry";
import { DocumentLoadError, listDocumentFiles, loadDocument } from "@/src/server/rag/load/load-documents";
import { log } from "@/src/server/log";
import type { DocumentRecord, KnowledgeStore } from "@/src/server/rag/store";
import type { MaterialisedSource } from "@/src/server/rag/sources/types";
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
  /** A declared source's place in the index and its links; without it, the docs folder (no prefix, QUIRE_DOCS_BASE_URL links). */
  scope?: IngestScope;
}

/**
 * A source's documents live under `prefix` ("handbook/"), so each source's sync adds,
 * updates and removes only its own. The docs folder has the empty prefix and leaves
 * every declared source's documents alone.
 */
export interface IngestScope {
  prefix: string;
  source: Pick<MaterialisedSource, "citationUrl" | "citationKey" | "updatedAt">;
}

type IngestFailure = IngestSummary["failed"][number];

/** Bump when loading or chunking changes in a way that old chunks should be redone (2: MDX data exports are kept as lists). */
const CHUNKER_VERSION = 2;

/** The stored checksum covers the file, the chunking settings and the link scheme: changing any redoes the file. */
export function documentChecksum(contentHash: string, chunking: ChunkingOptions, citationKey: string = chunking.baseUrl ?? ""): string {
  const settings = `${CHUNKER_VERSION}:${chunking.targetTokens}:${chunking.overlapTokens}:${citationKey}`;
  return createHash("sha256").update(settings).update("\0").update(contentHash).digest("hex");
}

interface SyncCounts {
  added: number;
  updated: number;
  renamed: number;
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

type FileOutcome = { outcome: "added" | "updated" | "unchanged" | "renamed"; chunks: number };

/** The run's view of the index: this scope's stored checksums, and the ones whose files are gone (rename candidates). */
interface ScopeState {
  /** For the docs folder: the declared sources' prefixes, whose paths it must not write. */
  others: string[];
  stored: Map<string, string>;
  /** Checksum → stored paths no longer listed; a new file with one of these checksums is a rename. */
  gone: Map<string, string[]>;
}

/** Loads, chunks and writes one file. Every failure is a DocumentLoadError naming the file. */
async function syncFile(options: IngestOptions, file: string, state: ScopeState): Promise<FileOutcome> {
  const prefix = options.scope?.prefix ?? "";
  const indexPath = prefix + file;
  const storedChecksum = state.stored.get(indexPath);
  const document = await loadDocument(options.docsDir, file);
  const source = options.scope?.source;
  const checksum = documentChecksum(document.contentHash, options.chunking, source?.citationKey);
  if (storedChecksum === checksum) return { outcome: "unchanged", chunks: 0 };
  let chunks;
  try {
    const link = source ? (relative: string, anchor: string | null) => source.citationUrl(relative, anchor) : undefined;
    chunks = chunkDocument(document, { ...options.chunking, ...(link && { link }) }).map((chunk) => ({ ...chunk, path: indexPath }));
  } catch (error) {
    throw new DocumentLoadError(file, `could not be chunked (${(error as Error).name})`, { cause: error });
  }
  const record: DocumentRecord = {
    path: indexPath,
    title: document.title,
    url: document.url,
    date: document.date,
    updated: document.updated ?? source?.updatedAt?.(file) ?? null,
    checksum,
  };
  try {
    const candidates = storedChecksum === undefined ? state.gone.get(checksum) : undefined;
    const movedFrom = candidates?.[0];
    if (movedFrom !== undefined && (await options.store.moveDocument(movedFrom, record, chunks))) {
      candidates?.shift();
      return { outcome: "renamed", chunks: 0 };
    }
    await options.store.replaceDocument(record, chunks);
  } catch (error) {
    // PostgreSQL's primary message names the constraint or encoding, not the values (those are in its detail).
    throw new StoreWriteError(file, `the index refused it: ${(error as Error).message}`, { cause: error });
  }
  return { outcome: storedChecksum === undefined ? "added" : "updated", chunks: chunks.length };
}

/** This run's stored documents: those under its prefix, or for the docs folder those under no declared source. */
async function readScope(options: IngestOptions, files: readonly string[], unlisted: readonly string[]): Promise<ScopeState> {
  const prefix = options.scope?.prefix ?? "";
  const others = prefix === "" ? (await options.store.listSources()).map((source) => `${source.name}/`) : [];
  const mine = (path: string): boolean => path.startsWith(prefix) && !others.some((other) => path.startsWith(other));
  const stored = new Map((await options.store.listDocuments()).filter((document) => mine(document.path)).map((document) => [document.path, document.checksum]));
  const listed = new Set(files.map((file) => prefix + file));
  const gone = new Map<string, string[]>();
  for (const [path, checksum] of stored) {
    // Under a folder that could not be listed, a file is not known to be gone (so neither removed nor moved).
    if (listed.has(path) || unlisted.some((folder) => path.startsWith(prefix + folder))) continue;
    gone.set(checksum, [...(gone.get(checksum) ?? []), path]);
  }
  return { others, stored, gone };
}

/**
 * Brings the stored documents in line with the folder: new and changed files re-chunked, moved ones
 * re-linked, deleted ones removed. A file that cannot be read, decoded, parsed or written is skipped
 * and reported; its earlier version, if any, stays in the index, as do the stored files of a folder
 * that cannot be listed.
 */
async function syncDocuments(options: IngestOptions): Promise<SyncCounts> {
  const { store, docsDir, onProgress } = options;
  const prefix = options.scope?.prefix ?? "";
  const counts: SyncCounts = { added: 0, updated: 0, renamed: 0, removed: 0, unchanged: 0, chunks: 0, failed: [] };
  const fail = (error: DocumentLoadError): void => {
    counts.failed.push({ path: prefix + error.path, reason: error.message });
    (options.logger ?? log()).warn({ path: prefix + error.path, reason: error.message }, "ingest skipped a docs file");
  };
  const files = await listDocumentFiles(docsDir, { onUnreadableFolder: fail });
  onProgress?.({ stage: "scan", files: files.length });
  const unlisted = counts.failed.filter((failure) => failure.path.endsWith("/")).map((failure) => failure.path.slice(prefix.length));
  const state = await readScope(options, files, unlisted);
  let storeFailures = 0;
  for (const [index, file] of files.entries()) {
    options.signal?.throwIfAborted();
    let chunkCount = 0;
    try {
      const owner = state.others.find((other) => file.startsWith(other));
      if (owner !== undefined) {
        throw new DocumentLoadError(file, `is shadowed by the source ${owner.slice(0, -1)}, whose documents live under ${owner}: rename the folder or the source`);
      }
      const { outcome, chunks } = await syncFile(options, file, state);
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
    onProgress?.({ stage: "file", done: index + 1, total: files.length, path: prefix + file, chunks: chunkCount });
  }
  counts.removed = await store.removeDocuments([...state.gone.values()].flat());
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
    const refreshNeeded = await store.upgradeLexicalIndex();
    const counts = await syncDocuments(options);
    options.signal?.throwIfAborted();
    if (interrupted || refreshNeeded || counts.added + counts.updated + counts.renamed + counts.removed > 0) await store.refreshLexicon();
    const summary: IngestSummary = { ...counts, ...(await embedIfKeyed(options)), durationMs: Math.round(now() - started) };
    await store.recordIngest({ ...summary });
    return summary;
  });
}
