import { createHash } from "node:crypto";

/** BGE-M3's dimension; both fake providers return vectors of this size. */
export const FAKE_EMBEDDING_DIMENSIONS = 1024;

const stopWords = new Set(
  "a an and are as at be by can do does for from how i in is it of on or that the this to what when where which who why will with you your".split(
    " ",
  ),
);

function bucket(feature: string): { index: number; sign: number } {
  const digest = createHash("sha256").update(feature).digest();
  const index = digest.readUInt32LE(0) % FAKE_EMBEDDING_DIMENSIONS;
  const sign = (digest[4] ?? 0) & 1 ? 1 : -1;
  return { index, sign };
}

/** Lower-cased words of a text, without punctuation and common stop words. */
export function contentWords(text: string): string[] {
  return (text.toLowerCase().normalize("NFKC").match(/[\p{L}\p{N}]+/gu) ?? []).filter(
    (word) => !stopWords.has(word),
  );
}

/**
 * A deterministic embedding that carries meaning: hashed counts of words and of
 * character trigrams, projected onto 1024 dimensions and L2-normalised. Texts
 * that share words (or word stems) get a high cosine similarity, so vector
 * retrieval tests against the fakes mean something.
 */
export function fakeEmbedding(text: string): number[] {
  const vector = new Float64Array(FAKE_EMBEDDING_DIMENSIONS);
  for (const word of contentWords(text)) {
    const wordBucket = bucket(`w:${word}`);
    vector[wordBucket.index] = (vector[wordBucket.index] ?? 0) + 2 * wordBucket.sign;
    const padded = ` ${word} `;
    for (let start = 0; start + 3 <= padded.length; start++) {
      const gram = bucket(`g:${padded.slice(start, start + 3)}`);
      vector[gram.index] = (vector[gram.index] ?? 0) + 0.5 * gram.sign;
    }
  }
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  if (norm === 0) {
    // An empty or stop-word-only text still gets a valid unit vector.
    const unit = new Array<number>(FAKE_EMBEDDING_DIMENSIONS).fill(0);
    unit[0] = 1;
    return unit;
  }
  return Array.from(vector, (value) => Number((value / norm).toFixed(6)));
}

export function cosineSimilarity(left: number[], right: number[]): number {
  let dot = 0;
  for (let index = 0; index < left.length; index++) dot += (left[index] ?? 0) * (right[index] ?? 0);
  return dot;
}
