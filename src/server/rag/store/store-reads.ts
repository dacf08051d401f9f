import "server-only";
import { z } from "zod";
import {
  countsRowSchema,
  embeddingSpaceSchema,
  lastIngestSchema,
  parseRows,
  pendingChunkRowSchema,
  scoredChunkRowSchema,
} from "@/src/server/rag/store/rows";
import type { SqlClient } from "@/src/server/rag/store/sql-client";
import { encodeVectorParam } from "@/src/server/rag/store/vector-copy";
import { isChunkId } from "@/src/shared/sources";
import { DEFAULT_EF_SEARCH, readEmbeddingSpace, vectorTableExists } from "@/src/server/rag/store/vector-table";
import type { StoreStatus } from "@/src/server/rag/store/knowledge-store";
import type { EmbeddingSpace, PendingChunk, ScoredChunk } from "@/src/server/rag/types";

/** The read side of the knowledge store: status, one chunk, vector search, and the chunks still to embed. */

const SELECT_CHUNK = `c.id::text AS id, d.path, c.title, c.heading, c.url, c.content`;

export async function readStatus(client: SqlClient, location: string): Promise<StoreStatus> {
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

export async function getChunk(client: SqlClient, id: string): Promise<ScoredChunk | null> {
  return (await getChunks(client, [id]))[0] ?? null;
}

/** The chunks with these ids that exist, in the order asked, in one statement; malformed ids are skipped. */
export async function getChunks(client: SqlClient, ids: readonly string[]): Promise<ScoredChunk[]> {
  const wanted = [...new Set(ids.filter(isChunkId))];
  if (wanted.length === 0) return [];
  const rows = await client.query(
    `SELECT ${SELECT_CHUNK}, 1::float8 AS score, d.updated_at FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ANY($1::bigint[])`,
    [wanted],
  );
  const byId = new Map(parseRows(scoredChunkRowSchema, rows).map((chunk) => [chunk.id, chunk]));
  return wanted.map((id) => byId.get(id)).filter((chunk): chunk is ScoredChunk => chunk !== undefined);
}

/**
 * Nearest chunks first on the vector table alone (the HNSW index's pattern:
 * ORDER BY distance LIMIT k), then the k winners joined to their text, so an
 * exact scan does not drag every chunk's text through the sort either.
 */
export const VECTOR_SEARCH_SQL = `SELECT ${SELECT_CHUNK}, (1 - nearest.distance)::float8 AS score
     FROM (SELECT chunk_id, embedding <=> $1::vector AS distance FROM chunk_vectors
           ORDER BY embedding <=> $1::vector LIMIT $2) AS nearest
     JOIN chunks c ON c.id = nearest.chunk_id JOIN documents d ON d.id = c.document_id
     ORDER BY nearest.distance, c.id`;

export { DEFAULT_EF_SEARCH } from "@/src/server/rag/store/vector-table";

/** PostgreSQL's undefined_table: no vector table yet (nothing embedded), so no vector hits. */
const UNDEFINED_TABLE = "42P01";

/**
 * At Quire's ef_search (set for the session when the store opens) a search is one
 * statement: no transaction, no SET, no check that the table exists (its absence
 * is an error code). Chat turns queue behind each other on PGlite's one thread, so
 * the four round trips this used to take cost every concurrent chat. Other
 * settings (recall measurements, the exact baseline) run in a transaction.
 */
export async function searchVector(
  client: SqlClient,
  embedding: number[],
  k: number,
  options: { exact?: boolean; efSearch?: number },
): Promise<ScoredChunk[]> {
  const params = [encodeVectorParam(embedding), k];
  const efSearch = Math.max(k, Math.min(1000, Math.trunc(options.efSearch ?? DEFAULT_EF_SEARCH)));
  try {
    if (!options.exact && efSearch === DEFAULT_EF_SEARCH) {
      return parseRows(scoredChunkRowSchema, await client.query(VECTOR_SEARCH_SQL, params));
    }
    return await client.transaction(async (executor) => {
      if (options.exact) await executor.exec("SET LOCAL enable_indexscan = off");
      else await executor.exec(`SET LOCAL hnsw.ef_search = ${efSearch}`);
      return parseRows(scoredChunkRowSchema, await executor.query(VECTOR_SEARCH_SQL, params));
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === UNDEFINED_TABLE) return [];
    throw error;
  }
}

/**
 * The search a chat turn makes: the index's embedding space and, when the query
 * vector is in it, the k nearest chunks, in one statement. The space is read in
 * the same snapshot as the vectors, so nothing cached can go stale when another
 * Quire instance ingests into the same PostgreSQL. A query from another space
 * never reaches the distance operator (a one-time filter gates the index scan).
 * The nearest chunks are a materialized CTE, and a chunk's path a probe per row: as
 * one joined query, PostgreSQL 15 planned a scan of the documents around the vector
 * search at 3,000 chunks, sorting every vector once per document (hybrid p50 488 ms).
 */
const SPACE_SEARCH_SQL = `WITH space AS MATERIALIZED (SELECT (SELECT value FROM quire_meta WHERE key = 'embedding') AS value),
  nearest AS MATERIALIZED (
    SELECT chunk_id, embedding <=> $1::vector AS distance FROM chunk_vectors
    WHERE (SELECT lower(value->>'model') = lower($3) AND (value->>'dimensions')::int = $4 FROM space)
    ORDER BY embedding <=> $1::vector LIMIT $2)
  SELECT space.value AS space, hit.* FROM space LEFT JOIN LATERAL (
    SELECT c.id::text AS id, (SELECT d.path FROM documents d WHERE d.id = c.document_id) AS path, c.title, c.heading, c.url, c.content,
           (1 - nearest.distance)::float8 AS score, nearest.distance
    FROM nearest JOIN chunks c ON c.id = nearest.chunk_id) AS hit ON true
  ORDER BY hit.distance, hit.id`;

const spaceSearchRowSchema = z.object({ space: z.unknown(), id: z.unknown() }).passthrough();

export interface SpaceSearchResult {
  /** The index's embedding space (null: nothing embedded yet). */
  space: EmbeddingSpace | null;
  /** Empty unless the query is in `space`. */
  chunks: ScoredChunk[];
}

export async function searchVectorInSpace(
  client: SqlClient,
  query: { embedding: number[]; model: string },
  k: number,
): Promise<SpaceSearchResult> {
  let rows: Record<string, unknown>[];
  try {
    const params = [encodeVectorParam(query.embedding), k, query.model, query.embedding.length];
    // The embedded store on its worker thread answers from memory when it can (vector-memory.ts).
    rows = client.nearestInSpace
      ? await client.nearestInSpace(SPACE_SEARCH_SQL, params, { embedding: query.embedding, model: query.model, k })
      : await client.query(SPACE_SEARCH_SQL, params);
  } catch (error) {
    if ((error as { code?: unknown }).code === UNDEFINED_TABLE) return { space: null, chunks: [] };
    throw error;
  }
  const parsed = parseRows(spaceSearchRowSchema, rows);
  const space = embeddingSpaceSchema.safeParse(parsed[0]?.space);
  return {
    space: space.success ? space.data : null,
    chunks: parseRows(scoredChunkRowSchema, parsed.filter((row) => row.id != null)),
  };
}

export async function countPending(client: SqlClient): Promise<number> {
  const sql = (await vectorTableExists(client))
    ? "SELECT count(*)::int AS count FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM chunk_vectors v WHERE v.chunk_id = c.id)"
    : "SELECT count(*)::int AS count FROM chunks";
  return Number((await client.query(sql))[0]?.count ?? 0);
}

export async function pendingEmbeddings(client: SqlClient, limit: number, after = "0"): Promise<PendingChunk[]> {
  if (!isChunkId(after)) throw new Error("pendingEmbeddings: `after` must be a chunk id");
  const missing = (await vectorTableExists(client))
    ? "AND NOT EXISTS (SELECT 1 FROM chunk_vectors v WHERE v.chunk_id = c.id)"
    : "";
  const rows = await client.query(
    `SELECT c.id::text AS id, c.title, c.heading, c.content FROM chunks c WHERE c.id > $2::bigint ${missing} ORDER BY c.id LIMIT $1`,
    [limit, after],
  );
  return parseRows(pendingChunkRowSchema, rows).map((row) => ({
    id: row.id,
    title: row.title,
    heading: row.heading,
    text: row.content,
  }));
}


/** The query plan of a vector search, to check that the HNSW index is used. */
export async function explainVectorSearch(client: SqlClient, embedding: number[], k: number): Promise<string> {
  const rows = await client.query(`EXPLAIN ${VECTOR_SEARCH_SQL}`, [encodeVectorParam(embedding), k]);
  return rows.map((row) => String(Object.values(row)[0])).join("\n");
}
