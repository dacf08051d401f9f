import "server-only";
import { toVectorLiteral } from "@/src/server/rag/store/rows";
import { encodeVectorArray, encodeVectorCopy } from "@/src/server/rag/store/vector-copy";
import type { SqlClient } from "@/src/server/rag/store/sql-client";
import { writePostings } from "@/src/server/rag/store/lexical-index";
import type { DocumentRecord } from "@/src/server/rag/store/knowledge-store";
import type { Chunk, EmbeddedChunk } from "@/src/server/rag/types";

/** The write side of the knowledge store: documents with their chunks and postings, vectors, the ingest record. */

export async function replaceDocument(client: SqlClient, document: DocumentRecord, chunks: Chunk[]): Promise<void> {
  await client.transaction(async (executor) => {
    const rows = await executor.query(
      `INSERT INTO documents (path, title, url, published, updated_at, checksum, chunk_count, ingested_at)
       VALUES ($1, $2, $3, $4, $5, '', $6, now())
       ON CONFLICT (path) DO UPDATE SET title = excluded.title, url = excluded.url, published = excluded.published,
         updated_at = excluded.updated_at, checksum = '', chunk_count = excluded.chunk_count, ingested_at = now()
       RETURNING id`,
      [document.path, document.title, document.url, document.date, document.updated ?? null, chunks.length],
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

/**
 * The embedded store's staging table for binary vector loads: temporary (this session only),
 * emptied at the end of each transaction, and dimensionless (`vector`), so one table serves
 * any embedding space; the insert into chunk_vectors checks the dimension.
 */
const STAGING_SQL = "CREATE TEMP TABLE IF NOT EXISTS quire_vector_staging (chunk_id bigint NOT NULL, embedding vector NOT NULL) ON COMMIT DELETE ROWS";

/** The `vector` type's OID per client (an extension's type OID is the database's own), asked once. */
const vectorTypeOids = new WeakMap<SqlClient, number>();

async function vectorTypeOid(client: SqlClient): Promise<number> {
  const known = vectorTypeOids.get(client);
  if (known !== undefined) return known;
  const oid = Number((await client.query("SELECT 'vector'::regtype::oid::int8 AS oid"))[0]?.oid);
  vectorTypeOids.set(client, oid);
  return oid;
}

/** Stores vectors, replacing a chunk's earlier one. A chunk replaced meanwhile is gone: the join drops its vector instead of failing the batch. */
export async function saveEmbeddings(client: SqlClient, rows: EmbeddedChunk[]): Promise<void> {
  if (rows.length === 0) return;
  if (client.copyFrom !== undefined) {
    // PGlite: binary COPY into the staging table, so no float is parsed from text (vector-copy.ts).
    const data = encodeVectorCopy(rows);
    await client.transaction(async (executor) => {
      await executor.exec(STAGING_SQL);
      // Inside the transaction, on its executor: the client's own would wait for this transaction (PGlite) or run outside it.
      if (executor.copyFrom === undefined) throw new Error("The embedded store's transaction cannot COPY.");
      await executor.copyFrom("COPY quire_vector_staging (chunk_id, embedding) FROM '/dev/blob' WITH (FORMAT binary)", data);
      await executor.exec(
        `INSERT INTO chunk_vectors (chunk_id, embedding)
         SELECT s.chunk_id, s.embedding FROM quire_vector_staging s JOIN chunks c ON c.id = s.chunk_id
         ON CONFLICT (chunk_id) DO UPDATE SET embedding = excluded.embedding`,
      );
    });
    return;
  }
  if (client.kind === "postgres") {
    // `pg` sends a Buffer as a binary parameter: the vectors travel in pgvector's binary form, not as text.
    const oid = await vectorTypeOid(client);
    try {
      await client.query(
        `INSERT INTO chunk_vectors (chunk_id, embedding)
         SELECT c.id, input.embedding FROM unnest($1::bigint[], $2::vector[]) AS input(chunk_id, embedding)
         JOIN chunks c ON c.id = input.chunk_id
         ON CONFLICT (chunk_id) DO UPDATE SET embedding = excluded.embedding`,
        [rows.map((row) => row.chunkId), encodeVectorArray(rows.map((row) => row.embedding), oid)],
      );
    } catch (error) {
      // An extension made again has another OID: the next batch asks anew.
      vectorTypeOids.delete(client);
      throw error;
    }
    return;
  }
  await client.query(
    `INSERT INTO chunk_vectors (chunk_id, embedding)
     SELECT c.id, input.embedding::vector FROM unnest($1::bigint[], $2::text[]) AS input(chunk_id, embedding)
     JOIN chunks c ON c.id = input.chunk_id
     ON CONFLICT (chunk_id) DO UPDATE SET embedding = excluded.embedding`,
    [rows.map((row) => row.chunkId), rows.map((row) => toVectorLiteral(row.embedding))],
  );
}

/**
 * A renamed file with the same content: the document row takes the new path and the
 * chunks their new links, keeping chunk ids, postings and vectors (no embedding call).
 * False when `from` is gone, its title changed (a title taken from the file name is in every
 * chunk's indexed and embedded text) or the chunks no longer line up: then the caller re-ingests.
 */
export async function moveDocument(client: SqlClient, from: string, document: DocumentRecord, chunks: Chunk[]): Promise<boolean> {
  return client.transaction(async (executor) => {
    const rows = await executor.query(
      `UPDATE documents SET path = $2, title = $3, url = $4, published = $5, updated_at = $6, checksum = $7, ingested_at = now()
       WHERE path = $1 AND chunk_count = $8 AND title = $3 AND NOT EXISTS (SELECT 1 FROM documents WHERE path = $2) RETURNING id`,
      [from, document.path, document.title, document.url, document.date, document.updated ?? null, document.checksum, chunks.length],
    );
    if (rows.length === 0) return false;
    await executor.query(
      `UPDATE chunks c SET url = moved.url FROM unnest($2::int[], $3::text[]) AS moved(ordinal, url)
       WHERE c.document_id = $1 AND c.ordinal = moved.ordinal`,
      [Number(rows[0]?.id), chunks.map((chunk) => chunk.ordinal), chunks.map((chunk) => chunk.url)],
    );
    return true;
  });
}

export async function removeDocuments(client: SqlClient, paths: string[]): Promise<number> {
  if (paths.length === 0) return 0;
  const rows = await client.query("DELETE FROM documents WHERE path = ANY($1::text[]) RETURNING id", [paths]);
  return rows.length;
}

export async function recordIngest(client: SqlClient, summary: Record<string, unknown>): Promise<void> {
  await client.query(
    "INSERT INTO quire_meta (key, value) VALUES ('last_ingest', $1::jsonb) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [JSON.stringify({ at: new Date().toISOString(), summary })],
  );
}
