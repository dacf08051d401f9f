import "server-only";
import { documentTitleRowSchema, parseRows, storedDocumentRowSchema, type LastIngest, type StoredDocument } from "@/src/server/rag/store/rows";
import type { SqlClient } from "@/src/server/rag/store/sql-client";
import {
  lexicalIndexCurrent,
  postingListsRecorded,
  rebuildPostings,
  refreshLexicon,
  searchLexical,
  type TextSearchResult,
} from "@/src/server/rag/store/lexical-index";
import {
  countPending,
  explainVectorSearch,
  getChunk,
  getChunks,
  pendingEmbeddings,
  readStatus,
  searchVector,
  searchVectorInSpace,
  type SpaceSearchResult,
} from "@/src/server/rag/store/store-reads";
import { moveDocument, recordIngest, removeDocuments, replaceDocument, saveEmbeddings } from "@/src/server/rag/store/store-writes";
import { countDocumentsByPrefix, listSources, recordSource, removeSource, type SourceRecord, type SourceUpdate } from "@/src/server/rag/store/source-records";
import { buildVectorIndex, createVectorTable, dropVectorIndex, readEmbeddingSpace } from "@/src/server/rag/store/vector-table";
import { sameEmbeddingSpace, type Chunk, type EmbeddedChunk, type EmbeddingSpace, type PendingChunk, type ScoredChunk } from "@/src/server/rag/types";

export { DEFAULT_EF_SEARCH } from "@/src/server/rag/store/store-reads";

export interface DocumentRecord {
  path: string;
  title: string;
  url: string | null;
  date: string | null;
  checksum: string;
  /** When the source says the document last changed (ISO), if it says. */
  updated?: string | null;
}

export interface StoreStatus {
  kind: "pglite" | "postgres";
  location: string;
  documents: number;
  chunks: number;
  embeddedChunks: number;
  embedding: EmbeddingSpace | null;
  lastIngest: LastIngest | null;
}

/** The knowledge index. One interface over PGlite and PostgreSQL (same SQL, same migrations). */
export interface KnowledgeStore {
  readonly kind: "pglite" | "postgres";
  /** The data dir, or the database URL without its password. */
  readonly location: string;
  readonly readOnly: boolean;
  close(): Promise<void>;
  status(): Promise<StoreStatus>;
  embeddingSpace(): Promise<EmbeddingSpace | null>;
  /** Full-text search: BM25F over the analyzer's terms, unknown terms corrected against the vocabulary. */
  searchText(question: string, k: number): Promise<TextSearchResult>;
  /**
   * Cosine similarity search through the HNSW index; `exact` bypasses it (for
   * recall measurements); `efSearch` sets the index's candidate list size.
   */
  searchVector(embedding: number[], k: number, options?: { exact?: boolean; efSearch?: number }): Promise<ScoredChunk[]>;
  /**
   * A chat turn's vector search in one round trip: the index's embedding space,
   * and the k nearest chunks when the query was embedded in that space (none otherwise).
   */
  searchVectorInSpace(query: { embedding: number[]; model: string }, k: number): Promise<SpaceSearchResult>;
  /** One chunk by id (for the source viewer), or null when there is none. */
  getChunk(id: string): Promise<ScoredChunk | null>;
  /** The chunks that still exist among `ids`, in that order, read in one statement. */
  getChunks(ids: readonly string[]): Promise<ScoredChunk[]>;
  /** The query plan of a vector search, to check that the HNSW index is used (benchmarks, diagnostics). */
  explainVectorSearch(embedding: number[], k: number): Promise<string>;
  listDocuments(): Promise<StoredDocument[]>;
  /** The titles of the `limit` largest documents (most chunks), for starter questions: one small scan of `documents`. */
  documentTitles(limit: number): Promise<string[]>;
  /** Replaces every chunk of one document in one transaction; the checksum is written last. */
  replaceDocument(document: DocumentRecord, chunks: Chunk[]): Promise<void>;
  removeDocuments(paths: string[]): Promise<number>;
  /** Moves a document whose content did not change to a new path (a rename), keeping its vectors; false when it can't. */
  moveDocument(from: string, document: DocumentRecord, chunks: Chunk[]): Promise<boolean>;
  /** The sources synced into this index, by name. */
  listSources(): Promise<SourceRecord[]>;
  /** Records a source's sync (or its failure: then `error` is set and the earlier revision kept). */
  recordSource(update: SourceUpdate): Promise<void>;
  /** Forgets a source that is no longer declared, with its documents; returns how many documents went. */
  removeSource(name: string): Promise<number>;
  /** Documents per path prefix ("name/"), for status. */
  countDocumentsByPrefix(prefixes: readonly string[]): Promise<Map<string, number>>;
  /**
   * Before writes: rebuilds every posting from the stored chunks when another
   * analyzer version wrote them (an upgrade), without re-chunking or re-embedding.
   * Returns true when `refreshLexicon` must follow even if no document changes: it rebuilt, or
   * the last refresh predates the packed posting lists.
   */
  upgradeLexicalIndex(): Promise<boolean>;
  /** After writes: rebuilds the typo-correction vocabulary from the postings and records the analyzer version. */
  refreshLexicon(): Promise<void>;
  countPendingEmbeddings(): Promise<number>;
  /**
   * Up to `limit` chunks without a vector, in id order; with `after`, only those with a greater id
   * (a cursor: a bulk load then reads each chunk once instead of rescanning the embedded ones).
   */
  pendingEmbeddings(limit: number, after?: string): Promise<PendingChunk[]>;
  /** Sets the index's embedding space; a different space drops all vectors. Returns true if it changed. */
  useEmbeddingSpace(space: EmbeddingSpace): Promise<boolean>;
  saveEmbeddings(rows: EmbeddedChunk[]): Promise<void>;
  /** Runs a bulk vector load without the HNSW index, then builds it once. */
  bulkLoadVectors<T>(load: () => Promise<T>): Promise<T>;
  recordIngest(summary: Record<string, unknown>): Promise<void>;
  /** Runs `work` as the only writer (a PostgreSQL advisory lock; PGlite is already exclusive). */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
}

export interface KnowledgeStoreOptions {
  location: string;
  readOnly: boolean;
  exclusive: <T>(work: () => Promise<T>) => Promise<T>;
}

/** Builds the store over a SQL client. Write methods refuse on a read-only store. */
export function createKnowledgeStore(client: SqlClient, options: KnowledgeStoreOptions): KnowledgeStore {
  const writable = (): void => {
    if (options.readOnly) throw new Error("This knowledge store was opened read-only.");
  };
  return {
    kind: client.kind,
    location: options.location,
    readOnly: options.readOnly,
    close: () => client.close(),
    status: () => readStatus(client, options.location),
    embeddingSpace: () => readEmbeddingSpace(client),
    getChunk: (id) => getChunk(client, id),
    getChunks: (ids) => getChunks(client, ids),
    searchText: (question, k) => searchLexical(client, question, k),
    searchVector: (embedding, k, searchOptions) => searchVector(client, embedding, k, searchOptions ?? {}),
    searchVectorInSpace: (query, k) => searchVectorInSpace(client, query, k),
    explainVectorSearch: (embedding, k) => explainVectorSearch(client, embedding, k),
    listDocuments: async () =>
      parseRows(storedDocumentRowSchema, await client.query("SELECT path, checksum FROM documents ORDER BY path")),
    documentTitles: async (limit) =>
      parseRows(
        documentTitleRowSchema,
        await client.query("SELECT title FROM documents ORDER BY chunk_count DESC, path LIMIT $1", [limit]),
      ).map((row) => row.title),
    replaceDocument: async (document, chunks) => {
      writable();
      await replaceDocument(client, document, chunks);
    },
    removeDocuments: async (paths) => {
      writable();
      return removeDocuments(client, paths);
    },
    moveDocument: async (from, document, chunks) => {
      writable();
      return moveDocument(client, from, document, chunks);
    },
    listSources: () => listSources(client),
    recordSource: async (update) => {
      writable();
      await recordSource(client, update);
    },
    removeSource: async (name) => {
      writable();
      return removeSource(client, name);
    },
    countDocumentsByPrefix: (prefixes) => countDocumentsByPrefix(client, prefixes),
    upgradeLexicalIndex: async () => {
      writable();
      // Current postings still need a refresh when it did not build the posting lists yet (an upgrade).
      if (await lexicalIndexCurrent(client)) return !(await postingListsRecorded(client));
      await rebuildPostings(client);
      return true;
    },
    refreshLexicon: async () => {
      writable();
      await refreshLexicon(client);
    },
    countPendingEmbeddings: () => countPending(client),
    pendingEmbeddings: (limit, after) => pendingEmbeddings(client, limit, after),
    useEmbeddingSpace: async (space) => {
      writable();
      const current = await readEmbeddingSpace(client);
      if (current && sameEmbeddingSpace(current, space)) {
        // A run killed during a bulk load left the HNSW index dropped; this puts it back (a no-op when it exists).
        await buildVectorIndex(client);
        return false;
      }
      await createVectorTable(client, space);
      return true;
    },
    saveEmbeddings: async (rows) => {
      writable();
      await saveEmbeddings(client, rows);
    },
    bulkLoadVectors: async (load) => {
      writable();
      await dropVectorIndex(client);
      try {
        return await load();
      } finally {
        await buildVectorIndex(client);
      }
    },
    recordIngest: async (summary) => {
      writable();
      await recordIngest(client, summary);
    },
    exclusive: options.exclusive,
  };
}
