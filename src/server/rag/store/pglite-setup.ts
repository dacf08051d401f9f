// Shared by the in-process client and the worker thread (pglite-worker.ts), so no
// `import "server-only"` here (see pglite-worker.ts).
import { mkdirSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { vector } from "@electric-sql/pglite-pgvector";

/**
 * Lets `vector` parameters arrive in pgvector's binary form (encodeVectorParam). PGlite passes
 * every parameter through the serializer of its type and binds an ArrayBuffer view in binary
 * format, any other value as text; without a serializer for `vector` (an extension's type, so
 * none is built in) a byte parameter would be printed as "0,4,0,0,…". Text vectors (the
 * inserts' literals) stay text, as PGlite's own default would send them. Call once the
 * extension exists.
 */
async function acceptBinaryVectors(database: PGlite): Promise<void> {
  const result = await database.query<{ oid: number }>("SELECT oid::int AS oid FROM pg_type WHERE typname = 'vector' AND typtype = 'b'");
  const oid = result.rows[0]?.oid;
  if (oid === undefined) throw new Error("pgvector's vector type is missing");
  // PGlite's Serializer type says string, but its bind sends what it returns: a view, as bytes.
  database.serializers[oid] = (value: unknown) => (ArrayBuffer.isView(value) ? (value as unknown as string) : String(value));
}

/** PostgreSQL's default buffer pool, which PGlite keeps (128 MB). */
const MIN_SHARED_BUFFERS_MB = 128;
/**
 * The most `auto` gives. PGlite's WebAssembly memory stops at 2 GiB, and an HNSW build takes
 * 512 MB more of it (vector-table.ts), so the pool stays well below (QUIRE_PGLITE_SHARED_BUFFERS
 * allows up to 1 GB by hand).
 */
const MAX_AUTO_SHARED_BUFFERS_MB = 640;

/**
 * The buffer pool for an index of `dataDirBytes` on disk (`auto`): a third of it, between
 * PostgreSQL's 128 MB and 640 MB. PGlite commits the whole pool at start (RSS grows by it), so a
 * small index keeps the default; a large one needs its HNSW graph in the pool, which it reads
 * at random: at 50k chunks (1.75 GB on disk, a 391 MB graph) 128 MB made every search re-read
 * pages from the file system (vector search 11.5 ms, hybrid 17.3 ms), 512 MB kept them
 * (5.5 and 10.2 ms).
 */
export function autoSharedBuffers(dataDirBytes: number): string {
  const third = Math.ceil(dataDirBytes / 3 / 1024 / 1024);
  return `${Math.min(MAX_AUTO_SHARED_BUFFERS_MB, Math.max(MIN_SHARED_BUFFERS_MB, third))}MB`;
}

function directoryBytes(directory: string): number {
  let total = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const at = path.join(directory, entry.name);
    if (entry.isDirectory()) total += directoryBytes(at);
    else if (entry.isFile()) total += statSync(at).size;
  }
  return total;
}

/**
 * The buffer pool to open `dataDir` with: `setting` (QUIRE_PGLITE_SHARED_BUFFERS) unless it is
 * `auto`, which sizes it from what is on disk now (a new, unreadable or in-memory one: 128 MB).
 */
export function sharedBuffersFor(dataDir: string | undefined, setting: string): string {
  if (setting !== "auto") return setting;
  try {
    return autoSharedBuffers(dataDir === undefined ? 0 : directoryBytes(dataDir));
  } catch {
    return autoSharedBuffers(0);
  }
}

/** How the embedded database opens (pglite-client.ts's pgliteOpenOptions); the worker thread receives it as its data. */
export interface PgliteOpenOptions {
  /** The data directory; undefined: in memory. */
  dataDir: string | undefined;
  /** Run once after the database opens (extensions, session settings). */
  setupSql: string;
  /** The buffer pool (`shared_buffers`), e.g. "128MB". */
  sharedBuffers: string;
}

/**
 * Opens the embedded database with pgvector and pg_trgm, runs the setup SQL once and takes
 * binary vectors: the in-process client and the worker thread open it alike. The caller holds
 * the data-dir lock.
 */
export async function openPglite(options: PgliteOpenOptions): Promise<PGlite> {
  const { dataDir, sharedBuffers, setupSql } = options;
  // PGlite creates only the last directory level.
  if (dataDir !== undefined) mkdirSync(path.dirname(path.resolve(/*turbopackIgnore: true*/ dataDir)), { recursive: true });
  const database = await PGlite.create({
    dataDir,
    extensions: { vector, pg_trgm },
    startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${sharedBuffers}`],
  });
  await database.exec(setupSql);
  await acceptBinaryVectors(database);
  return database;
}
