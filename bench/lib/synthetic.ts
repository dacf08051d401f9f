import type { KnowledgeStore } from "@/src/server/rag/store";
import type { Chunk } from "@/src/server/rag/types";
import { FAKE_EMBEDDING_DIMENSIONS } from "@/test/fakes/embedding";
import { timed } from "@/bench/lib/report";

/** A small seeded PRNG (mulberry32), so synthetic data is the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SeedChunk {
  text: string;
  embedding: number[];
}

/** A standard normal deviate (Box–Muller) from the seeded generator. */
function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * Cosine between a synthetic vector and the real one it derives from: uniform in
 * [0.55, 0.9]. Two synthetic chunks of one seed then sit at cosine ≈ 0.3–0.8 of each
 * other, the spread of related chunks under a real model such as BGE-M3, whose
 * nearest neighbours in a documentation corpus are at ≈ 0.6–0.85 and whose
 * near-duplicates (> 0.95) are rare boilerplate. The generator this replaces put
 * ~37 copies of every seed at cosine ≈ 0.95 of it: a clump no real corpus has, in
 * which HNSW's graph gets trapped (recall@10 ≈ 0.5 at pgvector's defaults).
 */
const SEED_COSINE = { min: 0.55, max: 0.9 };

/** A vector at a drawn cosine from a real one: the seed plus an isotropic gaussian direction, renormalised. */
function spread(embedding: readonly number[], random: () => number): number[] {
  const cosine = SEED_COSINE.min + (SEED_COSINE.max - SEED_COSINE.min) * random();
  const noise = embedding.map(() => gaussian(random));
  // Remove the noise's component along the seed, so the drawn cosine is exact.
  const along = noise.reduce((sum, value, index) => sum + value * embedding[index]!, 0);
  const orthogonal = noise.map((value, index) => value - along * embedding[index]!);
  const norm = Math.sqrt(orthogonal.reduce((sum, value) => sum + value * value, 0)) || 1;
  const sine = Math.sqrt(1 - cosine * cosine);
  // Four decimals: vector text parsing dominates PGlite bulk loads, and the fake vectors need no more.
  return embedding.map((value, index) => Number((cosine * value + (sine * orthogonal[index]!) / norm).toFixed(4)));
}

/** Shuffles a few words so synthetic chunks are not exact text copies. */
function varyText(text: string, random: () => number): string {
  const words = text.split(/\s+/);
  for (let swap = 0; swap < Math.min(12, words.length); swap++) {
    const left = Math.floor(random() * words.length);
    const right = Math.floor(random() * words.length);
    [words[left], words[right]] = [words[right]!, words[left]!];
  }
  return words.join(" ");
}

/**
 * Fills the store with `count` synthetic chunks derived from real ones: each a
 * copy of a real chunk's text with a few words swapped, and a vector spread
 * around the real chunk's (SEED_COSINE). Vectors are bulk-loaded and
 * the HNSW index built once at the end.
 */
export async function loadSynthetic(
  store: KnowledgeStore,
  seeds: readonly SeedChunk[],
  count: number,
  onProgress?: (done: number) => void,
): Promise<LoadPhases> {
  const random = seededRandom(42);
  const perDocument = 500;
  const phases: LoadPhases = { documentsMs: 0, vectorsMs: 0, indexMs: 0 };
  const clock = async <T>(phase: keyof LoadPhases, work: () => Promise<T>): Promise<T> => {
    const { result, milliseconds } = await timed(work);
    phases[phase] += milliseconds;
    return result;
  };
  await store.useEmbeddingSpace({ model: "fake/bge-m3-hash", dimensions: FAKE_EMBEDDING_DIMENSIONS });
  let generateMs = 0;
  let after = "0";
  const total = performance.now();
  await store.bulkLoadVectors(async () => {
    for (let start = 0, document = 0; start < count; start += perDocument, document++) {
      const size = Math.min(perDocument, count - start);
      const picks = Array.from({ length: size }, () => seeds[Math.floor(random() * seeds.length)]!);
      const path = `synthetic/doc-${document}.md`;
      const chunks: Chunk[] = picks.map((seed, ordinal) => ({
        path, ordinal, title: `Synthetic ${document}`, heading: `Synthetic ${document} > Part ${ordinal}`,
        url: null, text: varyText(seed.text, random), tokenCount: 0,
      }));
      await clock("documentsMs", () =>
        store.replaceDocument({ path, title: `Synthetic ${document}`, url: null, date: null, checksum: "synthetic" }, chunks),
      );
      const pending = await clock("vectorsMs", () => store.pendingEmbeddings(size, after));
      after = pending.at(-1)?.id ?? after;
      const byText = new Map(chunks.map((chunk, index) => [chunk.text, picks[index]!]));
      const generated = performance.now();
      const embedded = pending.map((row) => ({ chunkId: row.id, embedding: spread(byText.get(row.text)?.embedding ?? picks[0]!.embedding, random) }));
      generateMs += performance.now() - generated;
      await clock("vectorsMs", () => store.saveEmbeddings(embedded));
      onProgress?.(start + size);
    }
  });
  // What bulkLoadVectors spent outside the load itself: dropping and building the HNSW index.
  phases.indexMs = performance.now() - total - phases.documentsMs - phases.vectorsMs - generateMs;
  return phases;
}

/** Where a synthetic load's time went (ms): chunks with their postings, vectors (read pending + write), the HNSW build. */
export interface LoadPhases {
  documentsMs: number;
  vectorsMs: number;
  indexMs: number;
}
