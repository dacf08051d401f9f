import "server-only";
import type { EmbeddedChunk } from "@/src/server/rag/types";
import { isChunkId } from "@/src/shared/sources";

/**
 * Vectors in PostgreSQL's binary COPY format, for the `(chunk_id bigint, embedding vector)`
 * staging table: the bulk load of the embedded store. PGlite parsed every float of a vector's
 * text form in WebAssembly, about 1.1 ms per 1024-dimension vector; the binary form is
 * pgvector's own (`vector_recv`: int16 dimensions, int16 unused, float4 each, big-endian) and
 * loads the same vectors about 9x faster (measured: 3,000 vectors, 3.3 s as text, 0.35 s here).
 *
 * Layout (PostgreSQL docs, "COPY … Binary Format"): the 11-byte signature, int32 flags and int32
 * header-extension length (both 0); per row an int16 field count and, per field, an int32 byte
 * length and the bytes; an int16 -1 ends the data.
 */
const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]; // "PGCOPY\n\377\r\n\0"
const HEADER_BYTES = SIGNATURE.length + 4 + 4;
const TRAILER_BYTES = 2;
/** pgvector's limit on a vector's dimensions (VECTOR_MAX_DIM). */
const MAX_DIMENSIONS = 16_000;

function checkVector(embedding: readonly number[]): void {
  const dimensions = embedding.length;
  if (dimensions < 1 || dimensions > MAX_DIMENSIONS) throw new Error(`A vector of ${dimensions} dimensions cannot be stored.`);
  for (const value of embedding) {
    // float4 is what is stored: a finite double beyond its range would arrive as an infinity.
    if (!Number.isFinite(Math.fround(value))) throw new Error("A vector holds a value that is not a finite float4.");
  }
}

/** pgvector's binary form of one vector at `offset`: int16 dimensions, int16 unused, float4 each. Returns the end offset. */
function writeVector(view: DataView, offset: number, embedding: readonly number[]): number {
  view.setInt16(offset, embedding.length);
  view.setInt16(offset + 2, 0);
  let at = offset + 4;
  for (const value of embedding) {
    view.setFloat32(at, value);
    at += 4;
  }
  return at;
}

function rowBytes(dimensions: number): number {
  // field count, chunk_id (length + int64), embedding (length + int16 dim + int16 unused + float4s)
  return 2 + (4 + 8) + (4 + 4 + 4 * dimensions);
}

/**
 * Encodes the rows for `COPY staging (chunk_id, embedding) FROM … WITH (FORMAT binary)`.
 * Throws on what PostgreSQL would reject anyway (an id that is not an integer, a
 * dimension out of range, a value that is not finite), before any byte is sent.
 */
export function encodeVectorCopy(rows: readonly EmbeddedChunk[]): Uint8Array<ArrayBuffer> {
  const size = rows.reduce((total, row) => total + rowBytes(row.embedding.length), HEADER_BYTES + TRAILER_BYTES);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes.set(SIGNATURE, 0);
  let offset = HEADER_BYTES; // flags and extension length stay 0
  for (const row of rows) {
    if (!isChunkId(row.chunkId)) throw new Error(`Not a chunk id: ${JSON.stringify(row.chunkId.slice(0, 40))}`);
    checkVector(row.embedding);
    view.setInt16(offset, 2);
    view.setInt32(offset + 2, 8);
    view.setBigInt64(offset + 6, BigInt(row.chunkId));
    view.setInt32(offset + 14, 4 + 4 * row.embedding.length);
    offset = writeVector(view, offset + 18, row.embedding);
  }
  view.setInt16(offset, -1);
  return bytes;
}

/**
 * One `vector` parameter in pgvector's binary form, for a search: both drivers send a byte
 * parameter in binary format (PGlite with the serializer of pglite-setup.ts), so the
 * server reads it with `vector_recv` instead of parsing 1024 printed floats. PGlite's parse
 * of a query vector's text cost about 1.3 ms in WebAssembly, more than the scan of the
 * shared corpus's 1,331 vectors (bench/results, session 11).
 */
export function encodeVectorParam(embedding: readonly number[]): Buffer {
  checkVector(embedding);
  const bytes = Buffer.alloc(4 + 4 * embedding.length);
  writeVector(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, embedding);
  return bytes;
}

/**
 * A `vector[]` parameter in PostgreSQL's binary array format, for `pg`, which sends a Buffer
 * parameter as binary: no float is printed here or parsed by the server. Layout (array_recv):
 * int32 dimensions (1), int32 has-nulls (0), the element type's OID (the database's `vector`
 * type: an extension's OID differs between databases), then int32 length and lower bound (1),
 * and per element an int32 byte length and pgvector's binary form.
 */
export function encodeVectorArray(embeddings: readonly (readonly number[])[], vectorTypeOid: number): Buffer {
  const size = 20 + embeddings.reduce((total, embedding) => total + 4 + 4 + 4 * embedding.length, 0);
  const bytes = Buffer.alloc(size);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setInt32(0, 1);
  view.setInt32(4, 0);
  view.setUint32(8, vectorTypeOid);
  view.setInt32(12, embeddings.length);
  view.setInt32(16, 1);
  let offset = 20;
  for (const embedding of embeddings) {
    checkVector(embedding);
    view.setInt32(offset, 4 + 4 * embedding.length);
    offset = writeVector(view, offset + 4, embedding);
  }
  return bytes;
}
