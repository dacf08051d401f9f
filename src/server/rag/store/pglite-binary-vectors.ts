// Shared by the in-process client and the worker thread (pglite-worker.ts), so no
// `import "server-only"` here (see pglite-worker.ts).
import type { PGlite } from "@electric-sql/pglite";

/**
 * Lets `vector` parameters arrive in pgvector's binary form (encodeVectorParam). PGlite passes
 * every parameter through the serializer of its type and binds an ArrayBuffer view in binary
 * format, any other value as text; without a serializer for `vector` (an extension's type, so
 * none is built in) a byte parameter would be printed as "0,4,0,0,…". Text vectors (the
 * inserts' literals) stay text, as PGlite's own default would send them. Call once the
 * extension exists.
 */
export async function acceptBinaryVectors(database: PGlite): Promise<void> {
  const result = await database.query<{ oid: number }>("SELECT oid::int AS oid FROM pg_type WHERE typname = 'vector' AND typtype = 'b'");
  const oid = result.rows[0]?.oid;
  if (oid === undefined) throw new Error("pgvector's vector type is missing");
  // PGlite's Serializer type says string, but its bind sends what it returns: a view, as bytes.
  database.serializers[oid] = (value: unknown) => (ArrayBuffer.isView(value) ? (value as unknown as string) : String(value));
}
