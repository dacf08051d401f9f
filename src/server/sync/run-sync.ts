import "server-only";
import { rm } from "node:fs/promises";
import path from "node:path";
import { operatorEmbedder } from "@/src/server/commands/operator";
import { env } from "@/src/server/env";
import { ingestDirectory, type IngestScope } from "@/src/server/rag/ingest/ingest";
import type { ProgressListener } from "@/src/server/rag/ingest/progress";
import { chunkingFromEnv, docsDirFromEnv } from "@/src/server/rag/ingest/settings";
import { readSourcesFile, sourceKind, sourceSpecSchema, type SourceKind, type SourceSpec } from "@/src/server/rag/sources/config";
import { describeSource, folderSource, materialiseSource } from "@/src/server/rag/sources/materialise";
import { SourceUnavailableError, type SourceNotice } from "@/src/server/rag/sources/types";
import type { KnowledgeStore } from "@/src/server/rag/store";
import type { IngestSummary } from "@/src/server/rag/types";

export interface SyncOptions {
  onProgress?: ProgressListener;
  /** Checked between documents: an aborted sync stops cleanly and the next one completes it. */
  signal?: AbortSignal;
}

/** What one source's sync did, or why it could not run (then its documents are as they were). */
export interface SourceSyncResult {
  /** null for the docs folder (QUIRE_DOCS_DIR, or a folder given to `quire ingest`). */
  name: string | null;
  kind: SourceKind;
  location: string;
  revision: string | null;
  summary: IngestSummary | null;
  notices: SourceNotice[];
  error: string | null;
}

/** Refuses a docs folder that is not there, before any store is opened. */
export function assertDocsFolder(docsDir: string): void {
  folderSource(docsDir, undefined);
}

function ingest(store: KnowledgeStore, dir: string, options: SyncOptions, scope?: IngestScope): Promise<IngestSummary> {
  return ingestDirectory({
    store,
    docsDir: dir,
    chunking: chunkingFromEnv(),
    embed: operatorEmbedder(),
    embedBatchSize: env().QUIRE_EMBED_BATCH_SIZE,
    onProgress: options.onProgress,
    signal: options.signal,
    ...(scope && { scope }),
  });
}

/** Ingests the docs folder (no path prefix, QUIRE_DOCS_BASE_URL links), leaving declared sources' documents alone. */
export function ingestFolder(store: KnowledgeStore, docsDir: string, options: SyncOptions = {}): Promise<IngestSummary> {
  assertDocsFolder(docsDir);
  return ingest(store, docsDir, options);
}

/**
 * Syncs one source: fetch it (a git fetch, a website's changed pages), then ingest its
 * folder under `<name>/`, and record the outcome. A source that can't be reached is
 * recorded with its error and its documents are left as they were; the other sources
 * still sync. A failing store is not the source's fault: that error propagates.
 */
export async function syncSource(store: KnowledgeStore, spec: SourceSpec, options: SyncOptions = {}): Promise<SourceSyncResult> {
  const kind = sourceKind(spec);
  const location = describeSource(spec);
  const record = { name: spec.name, kind, location, spec: { ...spec } };
  options.onProgress?.({ stage: "notice", message: `Source ${spec.name} (${kind}): ${location}` });
  let source;
  try {
    source = await materialiseSource(spec, {
      dataDir: env().dataDir,
      ...(options.signal && { signal: options.signal }),
      ...(options.onProgress && { onProgress: options.onProgress }),
    });
  } catch (error) {
    // Fetching never touches the index: whatever went wrong (an unreachable remote, a failed
    // checkout, a full disk) is this source's, and the other sources still sync. Only a stop is not.
    if (options.signal?.aborted) throw error;
    const message = error instanceof SourceUnavailableError ? error.message : `fetching failed: ${(error as Error).message}`;
    if (!store.readOnly) await store.recordSource({ ...record, error: message });
    return { name: spec.name, kind, location, revision: null, summary: null, notices: [], error: message };
  }
  const summary = await ingest(store, source.dir, options, { prefix: `${spec.name}/`, source });
  await store.recordSource({ ...record, revision: source.revision, summary: { ...summary, notices: source.notices.length } });
  return { name: spec.name, kind, location, revision: source.revision, summary, notices: source.notices, error: null };
}

function docsFolderResult(docsDir: string, summary: IngestSummary): SourceSyncResult {
  return { name: null, kind: "folder", location: docsDir, revision: null, summary, notices: [], error: null };
}

/** QUIRE_SOURCES_FILE as an absolute path. */
export function sourcesFilePath(): string {
  return path.resolve(/*turbopackIgnore: true*/ env().QUIRE_SOURCES_FILE);
}

/**
 * The sources `quire ingest` (no argument) and the server keep fresh: those declared in
 * QUIRE_SOURCES_FILE when it exists; otherwise the docs folder plus every source added
 * with `quire ingest --git/--sitemap/--site` (their declarations are in the index).
 */
export async function configuredSources(store: KnowledgeStore): Promise<{ declared: SourceSpec[] | null; recorded: SourceSpec[] }> {
  const declared = readSourcesFile(sourcesFilePath());
  const recorded = (await store.listSources())
    .map((record) => sourceSpecSchema.safeParse(record.spec))
    .flatMap((parsed) => (parsed.success ? [parsed.data] : []));
  return { declared, recorded };
}

/** Syncs what `configuredSources` lists; with a sources file, sources no longer declared are removed with their documents. */
export async function runConfiguredSync(store: KnowledgeStore, options: SyncOptions = {}): Promise<SourceSyncResult[]> {
  const { declared, recorded } = await configuredSources(store);
  const results: SourceSyncResult[] = [];
  if (declared === null) {
    const docsDir = docsDirFromEnv();
    results.push(docsFolderResult(docsDir, await ingestFolder(store, docsDir, options)));
  }
  for (const spec of declared ?? recorded) {
    options.signal?.throwIfAborted();
    results.push(await syncSource(store, spec, options));
  }
  if (declared !== null) await removeUndeclared(store, declared, recorded, options);
  return results;
}

/**
 * With a sources file, the file is the list: after the declared sources synced (so a renamed
 * source's new name is in before the old one goes), a source no longer declared is removed with
 * its documents and its checkout, and so are documents from before the file (the docs folder's).
 */
async function removeUndeclared(store: KnowledgeStore, declared: readonly SourceSpec[], recorded: readonly SourceSpec[], options: SyncOptions): Promise<void> {
  const names = new Set(declared.map((spec) => spec.name));
  await store.exclusive(async () => {
    let removedAny = false;
    for (const stale of recorded.filter((spec) => !names.has(spec.name))) {
      const removed = await store.removeSource(stale.name);
      removedAny ||= removed > 0;
      await rm(path.join(env().dataDir, "sources", stale.name), { recursive: true, force: true });
      options.onProgress?.({ stage: "notice", message: `Source ${stale.name} is no longer declared: removed it and its ${removed} documents` });
    }
    const loose = (await store.listDocuments()).map((document) => document.path).filter((file) => ![...names].some((name) => file.startsWith(`${name}/`)));
    if (loose.length > 0) {
      const removed = await store.removeDocuments(loose);
      removedAny ||= removed > 0;
      options.onProgress?.({
        stage: "notice",
        message: `Removed ${removed} documents that belong to no declared source (indexed before ${path.basename(sourcesFilePath())} existed, or from a folder given to quire ingest)`,
      });
    }
    if (removedAny) await store.refreshLexicon();
  });
}

/** The sum of several sources' summaries, for logs. */
export function totalSummary(results: readonly SourceSyncResult[]): Record<string, number> {
  const total = { added: 0, updated: 0, renamed: 0, removed: 0, unchanged: 0, chunks: 0, embedded: 0, failed: 0, unavailable: 0 };
  for (const result of results) {
    if (result.summary === null) {
      total.unavailable++;
      continue;
    }
    const { summary } = result;
    total.added += summary.added;
    total.updated += summary.updated;
    total.renamed += summary.renamed ?? 0;
    total.removed += summary.removed;
    total.unchanged += summary.unchanged;
    total.chunks += summary.chunks;
    total.embedded += summary.embedded;
    total.failed += summary.failed.length;
  }
  return total;
}
