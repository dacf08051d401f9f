import {
  countsRowSchema,
  lastIngestSchema,
  parseRows,
  pendingChunkRowSchema,
  scoredChunkRowSchema,
  storedDocumentRowSchema,
  toVectorLiteral,
  type LastIngest,
  type StoredDocument,
} from "@/src/server/rag/store/rows";
import type { SqlClient } from "@/src/server/rag/store/sql-client";
import {
  lexicalIndexCurrent,
  rebuildPostings,
  refreshLexicon,
  searchLexical,
  writePostings,
  type TextSearchResult,
} from "@/src/server/rag/store/lexical-index";
import {
  buildVectorIndex,
  createVectorTable,
  dropVectorIndex,
  readEmbeddingSpace,
  vectorTableExists,
} from "@/src/server/rag/store/vector-table";
import { sameEmbeddingSpace, type Chunk, type EmbeddedChunk, type EmbeddingSpace, type PendingChunk, type ScoredChunk } from "@/src/server/rag/types";

export interface DocumentRecord {
  path: string;
  title: string;
  url: string | null;
  date: string | null;
  checksum: string;
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
  /** One chunk by id (for the source viewer), or null when there is none. */
  getChunk(id: string): Promise<ScoredChunk | null>;
  /** The query plan of a vector search, to check that the HNSW index is used (benchmarks, diagnostics). */
  explainVectorSearch(embedding: number[], k: number): Promise<string>;
  listDocuments(): Promise<StoredDocument[]>;
  /** Replaces every chunk of one document in one transaction; the checksum is written last. */
  replaceDocument(document: DocumentRecord, chunks: Chunk[]): Promise<void>;
  removeDocuments(paths: string[]): Promise<number>;
  /**
   * Before writes: rebuilds every posting from the stored chunks when another
   * analyzer version wrote them (an upgrade), without re-chunking or re-embedding.
   * Returns true when it rebuilt; `refreshLexicon` must follow.
   */
  upgradeLexicalIndex(): Promise<boolean>;
  /** After writes: rebuilds the typo-correction vocabulary from the postings and records the analyzer version. */
  refreshLexicon(): Promise<void>;
  countPendingEmbeddings(): Promise<number>;
  pendingEmbeddings(limit: number): Promise<PendingChunk[]>;
  /** Sets the index's embedding space; a different space drops all vectors. Returns true if it changed. */
  useEmbeddingSpace(space: EmbeddingSpace): Promise<boolean>;
  saveEmbeddings(rows: EmbeddedChunk[]): Promise<void>;
  /** Runs a bulk vector load without the HNSW index, then builds it once. */
  bulkLoadVectors<T>(load: () => Promise<T>): Promise<T>;
  recordIngest(summary: Record<string, unknown>): Promise<void>;
  /** Runs `work` as the only writer (a PostgreSQL advisory lock; PGlite is already exclusive). */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
}

const SELECT_CHUNK = `c.id::text AS id, d.path, c.title, c.heading, c.url, c.content`;

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
    searchText: (question, k) => searchLexical(client, question, k),
    searchVector: (embedding, k, searchOptions) => searchVector(client, embedding, k, searchOptions ?? {}),
    explainVectorSearch: async (embedding, k) => {
      const rows = await client.query(`EXPLAIN ${VECTOR_SEARCH_SQL}`, [toVectorLiteral(embedding), k]);
      return rows.map((row) => String(Object.values(row)[0])).join("\n");
    },
    listDocuments: async () =>
      parseRows(storedDocumentRowSchema, await client.query("SELECT path, checksum FROM documents ORDER BY path")),
    replaceDocument: async (document, chunks) => {
      writable();
      await replaceDocument(client, document, chunks);
    },
    removeDocuments: async (paths) => {
      writable();
      if (paths.length === 0) return 0;
      const rows = await client.query("DELETE FROM documents WHERE path = ANY($1::text[]) RETURNING id", [paths]);
      return rows.length;
    },
    upgradeLexicalIndex: async () => {
      writable();
      if (await lexicalIndexCurrent(client)) return false;
      await rebuildPostings(client);
      return true;
    },
    refreshLexicon: async () => {
      writable();
      await refreshLexicon(client);
    },
    countPendingEmbeddings: () => countPending(client),
    pendingEmbeddings: (limit) => pendingEmbeddings(client, limit),
    useEmbeddingSpace: async (space) => {
      writable();
      const current = await readEmbeddingSpace(client);
      if (current && sameEmbeddingSpace(current, space)) return false;
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
      await client.query(
        "INSERT INTO quire_meta (key, value) VALUES ('last_ingest', $1::jsonb) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [JSON.stringify({ at: new Date().toISOString(), summary })],
      );
    },
    exclusive: options.exclusive,
  };
}

async function readStatus(client: SqlClient, location: string): Promise<StoreStatus> {
  const counts = countsRowSchema.parse(
    (await client.query(
      "SELECT (SELECT count(*) FROM documents)::int AS documents, (SELECT count(*) FROM chunks)::int AS chunks",
    ))[0],
  );
  const embedded = (await vectorTableExists(client))
    ? Number((await client.query("SELECT count(*)::int AS count FROM chunk_vectors"))[0]?.count ?? 0)
    : 0;
  const ingestRows = await client.query("SELECT value FROM quire_meta WHERE key = 'last_ingest'");
  const lastIngest = lastIngestSchema.safeParse(ingestRows[0]?.value);
  return {
    kind: client.kind,
    location,
    documents: counts.documents,
    chunks: counts.chunks,
    embeddedChunks: embedded,
    embedding: await readEmbeddingSpace(client),
    lastIngest: lastIngest.success ? lastIngest.data : null,
  };
}

async function getChunk(client: SqlClient, id: string): Promise<ScoredChunk | null> {
  if (!/^\d{1,18}$/.test(id)) return null;
  const rows = await client.query(
    `SELECT ${SELECT_CHUNK}, 1::float8 AS score FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = $1::bigint`,
    [id],
  );
  return parseRows(scoredChunkRowSchema, rows)[0] ?? null;
}

/**
 * Nearest chunks first on the vector table alone (the HNSW index's pattern:
 * ORDER BY distance LIMIT k), then the k winners joined to their text, so an
 * exact scan does not drag every chunk's text through the sort either.
 */
const VECTOR_SEARCH_SQL = `SELECT ${SELECT_CHUNK}, (1 - nearest.distance)::float8 AS score
     FROM (SELECT chunk_id, embedding <=> $1::vector AS distance FROM chunk_vectors
           ORDER BY embedding <=> $1::vector LIMIT $2) AS nearest
     JOIN chunks c ON c.id = nearest.chunk_id JOIN documents d ON d.id = c.document_id
     ORDER BY nearest.distance, c.id`;

/** pgvector's default candidate list (40) loses recall on corpora with many near-duplicate chunks. */
export const DEFAULT_EF_SEARCH = 100;

async function searchVector(
  client: SqlClient,
  embedding: number[],
  k: number,
  options: { exact?: boolean; efSearch?: number },
): Promise<ScoredChunk[]> {
  if (!(await vectorTableExists(client))) return [];
  const params = [toVectorLiteral(embedding), k];
  const efSearch = Math.max(k, Math.min(1000, Math.trunc(options.efSearch ?? DEFAULT_EF_SEARCH)));
  return client.transaction(async (executor) => {
    if (options.exact) await executor.exec("SET LOCAL enable_indexscan = off");
    else await executor.exec(`SET LOCAL hnsw.ef_search = ${efSearch}`);
    return parseRows(scoredChunkRowSchema, await executor.query(VECTOR_SEARCH_SQL, params));
  });
}

async function replaceDocument(client: SqlClient, document: DocumentRecord, chunks: Chunk[]): Promise<void> {
  await client.transaction(async (executor) => {
    const rows = await executor.query(
      `INSERT INTO documents (path, title, url, published, checksum, chunk_count, ingested_at)
       VALUES ($1, $2, $3, $4, '', $5, now())
       ON CONFLICT (path) DO UPDATE SET title = excluded.title, url = excluded.url, published = excluded.published,
         checksum = '', chunk_count = excluded.chunk_count, ingested_at = now()
       RETURNING id`,
      [document.path, document.title, document.url, document.date, chunks.length],
    );
    const documentId = Number(rows[0]?.id);
    await executor.query("DELETE FROM chunks WHERE document_id = $1", [documentId]);
    if (chunks.length > 0) {
      const inserted = await executor.query(
        `INSERT INTO chunks (document_id, ordinal, title, heading, url, content, token_count)
         SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[])
         RETURNING id::text AS id, ordinal`,
        [
          documentId,
          chunks.map((chunk) => chunk.ordinal),
          chunks.map((chunk) => chunk.title),
          chunks.map((chunk) => chunk.heading),
          chunks.map((chunk) => chunk.url),
          chunks.map((chunk) => chunk.text),
          chunks.map((chunk) => chunk.tokenCount),
        ],
      );
      const idByOrdinal = new Map(inserted.map((row) => [Number(row.ordinal), String(row.id)]));
      await writePostings(
        executor,
        chunks.map((chunk) => ({ id: idByOrdinal.get(chunk.ordinal) ?? "", title: chunk.title, heading: chunk.heading, text: chunk.text })),
      );
    }
    // Last: a run interrupted before this line leaves an empty checksum, so the next run redoes the file.
    await executor.query("UPDATE documents SET checksum = $2 WHERE id = $1", [documentId, document.checksum]);
  });
}

async function countPending(client: SqlClient): Promise<number> {
  const sql = (await vectorTableExists(client))
    ? "SELECT count(*)::int AS count FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM chunk_vectors v WHERE v.chunk_id = c.id)"
    : "SELECT count(*)::int AS count FROM chunks";
  return Number((await client.query(sql))[0]?.count ?? 0);
}

async function pendingEmbeddings(client: SqlClient, limit: number): Promise<PendingChunk[]> {
  const missing = (await vectorTableExists(client))
    ? "WHERE NOT EXISTS (SELECT 1 FROM chunk_vectors v WHERE v.chunk_id = c.id)"
    : "";
  const rows = await client.query(
    `SELECT c.id::text AS id, c.title, c.heading, c.content FROM chunks c ${missing} ORDER BY c.id LIMIT $1`,
    [limit],
  );
  return parseRows(pendingChunkRowSchema, rows).map((row) => ({
    id: row.id,
    title: row.title,
    heading: row.heading,
    text: row.content,
  }));
}

async function saveEmbeddings(client: SqlClient, rows: EmbeddedChunk[]): Promise<void> {
  if (rows.length === 0) return;
  // A chunk replaced meanwhile is gone: the join drops its vector instead of failing the batch.
  await client.query(
    `INSERT INTO chunk_vectors (chunk_id, embedding)
     SELECT c.id, input.embedding::vector FROM unnest($1::bigint[], $2::text[]) AS input(chunk_id, embedding)
     JOIN chunks c ON c.id = input.chunk_id
     ON CONFLICT (chunk_id) DO UPDATE SET embedding = excluded.embedding`,
    [rows.map((row) => row.chunkId), rows.map((row) => toVectorLiteral(row.embedding))],
  );
}
