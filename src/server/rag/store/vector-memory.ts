// The embedded store's vector search, exact and in memory, on the database's own thread
// (pglite-worker.ts). No `import "server-only"`: the worker loads this module, and the guard's
// plain-Node export throws. It imports nothing from the main thread's modules.

/**
 * Why: pgvector in WebAssembly computes a cosine distance in about 3 µs per 1024-dimension
 * vector, and on an index this small the planner scans every vector (EXPLAIN: a sequential scan,
 * 4-5 ms of the statement's 6-10 ms for the shared corpus's 1,331). The same exact scan over unit
 * rows in WebAssembly SIMD takes 0.3 ms here (dot-kernel.ts), and the winners' text is held beside them, so the
 * search's one statement is a read of the generation. Every PGlite statement costs 1-2 ms beyond
 * its execution (parsing the request and the rows in JavaScript), and chat turns queue behind
 * each other on PGlite's one thread: this is time every concurrent chat waits for.
 *
 * Staleness: the epoch of search-memory.ts. Every write that could change what a vector search
 * returns (to `chunk_vectors`, to the returned columns of `chunks`, to a document's path) is
 * announced, and drops the vectors held; a load during which one was announced is thrown away. So
 * a committed write is seen by the next search, as with SQL alone, without a statement per search
 * to ask. The search generation (`search_generation` in `quire_meta`, bumped by the same triggers)
 * checks once more that a load read in several statements saw one state.
 */

import { createDotKernel, type DotKernel } from "./dot-kernel";
import type { RunQuery, SearchEpoch } from "./search-memory";

export interface NearestQuery {
  embedding: readonly number[];
  model: string;
  k: number;
}

/**
 * Up to this many vectors are held in memory (16 MiB at 1024 dimensions, and their chunks' text,
 * about 6 MiB more for the shared corpus's chunk sizes). The scan is linear:
 * about 1.4 µs per vector here, so 5-6 ms at this size, where the HNSW index of a large store
 * answers in about as long whatever its size (bench:retrieval: 6 ms at 50,000 chunks).
 */
export const MAX_MEMORY_VECTORS = 4096;

/** Vectors read per statement while loading, so that no chat waits long behind a load. */
const LOAD_BATCH = 512;

/**
 * A load starts at most this often, and after each load thrown away twice as late, up to the
 * maximum: during an ingest the generation moves with every batch, and each load would be lost.
 */
const LOAD_INTERVAL_MS = 1000;
const MAX_LOAD_INTERVAL_MS = 30_000;

/**
 * The generation, the space, and how many vectors there are up to $1 (a bounded count: a large
 * store is not counted whole).
 */
const META_SQL = `SELECT (SELECT value #>> '{}' FROM quire_meta WHERE key = 'search_generation') AS generation,
  (SELECT value FROM quire_meta WHERE key = 'embedding') AS space,
  (SELECT count(*)::int FROM (SELECT chunk_id FROM chunk_vectors ORDER BY chunk_id LIMIT $1) AS bounded) AS count`;

/** The vectors with the columns the SQL search returns for each (store-reads.ts), in id order from $1. */
const LOAD_SQL = `SELECT v.chunk_id::text AS id, vector_send(v.embedding) AS bytes,
    (SELECT d.path FROM documents d WHERE d.id = c.document_id) AS path, c.title, c.heading, c.url, c.content
  FROM chunk_vectors v JOIN chunks c ON c.id = v.chunk_id
  WHERE v.chunk_id > $1::bigint ORDER BY v.chunk_id LIMIT $2`;

interface Loaded {
  generation: string;
  /** The space's row as stored (the SQL search returns it on every row). */
  space: unknown;
  model: string;
  dimensions: number;
  ids: string[];
  /** Each id's row. */
  rowOf: Map<string, number>;
  /** Per id: path, title, heading, url, content. */
  chunks: Record<string, unknown>[];
  /** One unit-length row per id. */
  kernel: DotKernel;
  /** 0 for a zero vector, which is never returned: its distance is undefined. */
  usable: Uint8Array;
}

interface Space {
  model: string;
  dimensions: number;
}

function spaceOf(value: unknown): Space | null {
  if (typeof value !== "object" || value === null) return null;
  const { model, dimensions } = value as Record<string, unknown>;
  return typeof model === "string" && typeof dimensions === "number" && Number.isInteger(dimensions) && dimensions > 0
    ? { model, dimensions }
    : null;
}

/** pgvector's binary form (`vector_send`): int16 dimensions, int16 unused, then float4 each, big-endian. */
function decodeVector(bytes: Uint8Array, target: Float32Array): boolean {
  const dimensions = target.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength !== 4 + 4 * dimensions || view.getInt16(0) !== dimensions) return false;
  let norm = 0;
  for (let index = 0; index < dimensions; index++) {
    const value = view.getFloat32(4 + 4 * index);
    target[index] = value;
    norm += value * value;
  }
  if (norm === 0) return false;
  const scale = 1 / Math.sqrt(norm);
  for (let index = 0; index < dimensions; index++) target[index]! *= scale;
  return true;
}

interface Hit {
  id: string;
  row: number;
  distance: number;
}

/** The SQL search's order: nearest first, then by id as text. */
const before = (left: Hit, right: Hit) => left.distance < right.distance || (left.distance === right.distance && left.id < right.id);

/** The k nearest of the loaded rows to `embedding` (unit-normalised here), exact. */
export function nearestRows(loaded: Pick<Loaded, "ids" | "kernel" | "usable">, embedding: readonly number[], k: number): Hit[] {
  let norm = 0;
  for (const value of embedding) norm += value * value;
  if (k <= 0 || norm === 0 || embedding.length !== loaded.kernel.dimensions) return [];
  const scale = 1 / Math.sqrt(norm);
  const similarities = loaded.kernel.scores(embedding.map((value) => value * scale));
  const best: Hit[] = [];
  for (let row = 0; row < loaded.ids.length; row++) {
    if (loaded.usable[row] === 0) continue;
    // Clamped as pgvector clamps it: rounding must not put a row nearer than identical.
    const hit = { id: loaded.ids[row]!, row, distance: 1 - Math.min(1, Math.max(-1, similarities[row]!)) };
    if (best.length === k && !before(hit, best[k - 1]!)) continue;
    // Insertion into the short sorted list of the best so far (k is about 20).
    let at = Math.min(best.length, k - 1);
    if (best.length < k) best.push(hit);
    while (at > 0 && before(hit, best[at - 1]!)) {
      best[at] = best[at - 1]!;
      at--;
    }
    best[at] = hit;
  }
  return best;
}

/**
 * The in-memory search of one embedded database. `nearest` answers from memory when the vectors
 * are loaded (and so current: `epoch` drops them on every announced write), and otherwise runs
 * `fallback` (the SQL search) and starts a load in the background, when something was written
 * since the store was last looked at.
 */
export function createVectorMemory(run: RunQuery, epoch: SearchEpoch, options: { maxVectors?: number; loadIntervalMs?: number } = {}) {
  const maxVectors = options.maxVectors ?? MAX_MEMORY_VECTORS;
  const loadIntervalMs = options.loadIntervalMs ?? LOAD_INTERVAL_MS;
  let loaded: Loaded | null = null;
  /** The epoch at which the store was last looked at (loaded, or found too large or empty): not looked at again in it. */
  let examined: number | null = null;
  let loading: Promise<void> | null = null;
  let lastLoad = Number.NEGATIVE_INFINITY;
  let interval = loadIntervalMs;
  epoch.onChange(() => {
    loaded = null;
  });

  async function load(): Promise<Loaded | null> {
    const started = epoch.now();
    if (!(await epoch.trusted())) {
      examined = started;
      return null;
    }
    const meta = (await run(META_SQL, [maxVectors + 1]))[0] ?? {};
    const generation = typeof meta.generation === "string" ? meta.generation : null;
    const space = spaceOf(meta.space);
    const count = typeof meta.count === "number" ? meta.count : 0;
    if (generation === null) return null;
    examined = started;
    if (space === null || count === 0 || count > maxVectors) return null;
    const ids: string[] = [];
    const chunks: Record<string, unknown>[] = [];
    const kernel = createDotKernel(count, space.dimensions);
    const usable = new Uint8Array(count);
    let after = "0";
    while (ids.length < count) {
      const batch = await run(LOAD_SQL, [after, LOAD_BATCH]);
      if (batch.length === 0) break;
      for (const { id, bytes, ...chunk } of batch) {
        if (typeof id !== "string" || !(bytes instanceof Uint8Array) || ids.length === count) return null;
        usable[ids.length] = decodeVector(bytes, kernel.row(ids.length)) ? 1 : 0;
        ids.push(id);
        chunks.push(chunk);
        after = id;
      }
    }
    // Read in several statements: only if nothing was written meanwhile do they make one state.
    const [check] = await run(META_SQL, [maxVectors + 1]);
    if (epoch.now() !== started || check?.generation !== generation || check.count !== ids.length) {
      examined = null;
      return null;
    }
    const rowOf = new Map(ids.map((id, row) => [id, row]));
    return { generation, space: meta.space, model: space.model, dimensions: space.dimensions, ids, rowOf, chunks, kernel, usable };
  }

  function startLoad(answeredAt: number): void {
    if (loading !== null) return;
    // Nothing written since the store was last looked at (an answer read before a load, too): not looked at again.
    if (examined !== null && answeredAt <= examined) return;
    if (performance.now() - lastLoad < interval) return;
    lastLoad = performance.now();
    loading = load()
      .then((result) => {
        // Kept only if nothing was announced since the load read its last statement.
        loaded = result !== null && examined === epoch.now() ? result : null;
        // A load thrown away (the vectors moved while it ran, as during an ingest) waits longer before the next.
        interval = result === null && examined === null ? Math.min(interval * 2, MAX_LOAD_INTERVAL_MS) : loadIntervalMs;
      })
      .catch(() => {
        // A failed load (no vector table yet, no memory) leaves the SQL search in charge, and is tried again.
        loaded = null;
        examined = null;
      })
      .finally(() => {
        loading = null;
      });
  }

  async function fromSql(fallback: () => Promise<Record<string, unknown>[]>): Promise<Record<string, unknown>[]> {
    const answeredAt = epoch.now();
    const rows = await fallback();
    startLoad(answeredAt);
    return rows;
  }

  return {
    async nearest(query: NearestQuery, fallback: () => Promise<Record<string, unknown>[]>): Promise<Record<string, unknown>[]> {
      const current = loaded;
      if (current === null || current.model.toLowerCase() !== query.model.toLowerCase() || current.dimensions !== query.embedding.length) {
        return fromSql(fallback);
      }
      const hits = nearestRows(current, query.embedding, query.k);
      // As the SQL search: one row (the space's) even when nothing is near.
      if (hits.length === 0) return [{ space: current.space, id: null }];
      return hits.map((hit) => ({ space: current.space, id: current.ids[hit.row], ...current.chunks[hit.row], score: 1 - hit.distance, distance: hit.distance }));
    },
    /** Chunks' rows by id (the full-text search's winners): from memory when all are held, else `fallback`. */
    async chunkRows(ids: readonly string[], fallback: () => Promise<Record<string, unknown>[]>): Promise<Record<string, unknown>[]> {
      const current = loaded;
      if (current === null || ids.some((id) => !current.rowOf.has(id))) return fallback();
      return ids.map((id) => ({ id, ...current.chunks[current.rowOf.get(id)!] }));
    },
    /** Settles when no load is running (tests). */
    idle: (): Promise<void> => loading ?? Promise.resolve(),
    /** Whether vectors are held in memory now, and of which generation (tests, diagnostics). */
    loadedGeneration: (): string | null => loaded?.generation ?? null,
  };
}

export type VectorMemory = ReturnType<typeof createVectorMemory>;
