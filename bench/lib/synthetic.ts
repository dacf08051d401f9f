import type { KnowledgeStore } from "@/src/server/rag/store";
import type { Chunk } from "@/src/server/rag/types";
import { FAKE_EMBEDDING_DIMENSIONS } from "@/test/fakes/embedding";

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

/** A near-duplicate of a real vector: gaussian-ish noise, renormalised. Keeps the corpus's cluster structure. */
function perturb(embedding: readonly number[], random: () => number, noise: number): number[] {
  const out = embedding.map((value) => value + (random() + random() + random() - 1.5) * noise);
  const norm = Math.sqrt(out.reduce((sum, value) => sum + value * value, 0)) || 1;
  // Four decimals: vector text parsing dominates PGlite bulk loads, and the fake vectors need no more.
  return out.map((value) => Number((value / norm).toFixed(4)));
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
 * perturbed copy of a real chunk's text and vector. Vectors are bulk-loaded and
 * the HNSW index built once at the end.
 */
export async function loadSynthetic(store: KnowledgeStore, seeds: readonly SeedChunk[], count: number, onProgress?: (done: number) => void): Promise<void> {
  const random = seededRandom(42);
  const perDocument = 500;
  await store.useEmbeddingSpace({ model: "fake/bge-m3-hash", dimensions: FAKE_EMBEDDING_DIMENSIONS });
  await store.bulkLoadVectors(async () => {
    for (let start = 0, document = 0; start < count; start += perDocument, document++) {
      const size = Math.min(perDocument, count - start);
      const picks = Array.from({ length: size }, () => seeds[Math.floor(random() * seeds.length)]!);
      const path = `synthetic/doc-${document}.md`;
      const chunks: Chunk[] = picks.map((seed, ordinal) => ({
        path, ordinal, title: `Synthetic ${document}`, heading: `Synthetic ${document} > Part ${ordinal}`,
        url: null, text: varyText(seed.text, random), tokenCount: 0,
      }));
      await store.replaceDocument({ path, title: `Synthetic ${document}`, url: null, date: null, checksum: "synthetic" }, chunks);
      const pending = await store.pendingEmbeddings(size);
      const byText = new Map(chunks.map((chunk, index) => [chunk.text, picks[index]!]));
      await store.saveEmbeddings(
        pending.map((row) => ({ chunkId: row.id, embedding: perturb(byText.get(row.text)?.embedding ?? picks[0]!.embedding, random, 0.02) })),
      );
      onProgress?.(start + size);
    }
  });
}
