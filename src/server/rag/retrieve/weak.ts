import { contentTerms } from "@/src/server/rag/retrieve/follow-up";
import type { FusedChunk } from "@/src/server/rag/retrieve/fuse";

/**
 * Weak retrieval: the fused top results carry too little evidence that they
 * answer the question. Reciprocal-rank scores only order the candidates (the
 * best of an irrelevant lot still ranks first), so each fused candidate is
 * judged on what put it there: the share of the question's terms it contains,
 * and its cosine similarity when it came from the vector list.
 */
export const WEAK_THRESHOLDS = {
  /** Share of the question's content terms that the best chunk must contain. */
  minTermCoverage: 0.6,
  /** Cosine similarity that counts as a match on its own (BGE-M3 puts unrelated text around 0.3–0.45). */
  minVectorSimilarity: 0.6,
  /** How many of the fused top results are looked at. */
  inspect: 3,
} as const;

/** Terms match on a shared stem-like prefix, so "installing" matches "install" and "nodes" "node". */
function matches(term: string, chunkTerms: Set<string>, prefixes: Set<string>): boolean {
  if (chunkTerms.has(term)) return true;
  return term.length >= 5 && prefixes.has(term.slice(0, 5));
}

/** Share of the question's content terms found in a chunk (title, heading and text). */
export function termCoverage(question: string, chunk: Pick<FusedChunk, "title" | "heading" | "text">): number {
  const terms = [...new Set(contentTerms(question))];
  if (terms.length === 0) return 0;
  const chunkTerms = new Set(contentTerms(`${chunk.title} ${chunk.heading} ${chunk.text}`));
  const prefixes = new Set([...chunkTerms].filter((term) => term.length >= 5).map((term) => term.slice(0, 5)));
  return terms.filter((term) => matches(term, chunkTerms, prefixes)).length / terms.length;
}

export interface WeakVerdict {
  weak: boolean;
  bestCoverage: number;
  bestSimilarity: number | null;
}

/** Judges the fused list for `question`; an empty list is weak. */
export function judgeRetrieval(question: string, fused: readonly FusedChunk[]): WeakVerdict {
  const inspected = fused.slice(0, WEAK_THRESHOLDS.inspect);
  const bestCoverage = Math.max(0, ...inspected.map((chunk) => termCoverage(question, chunk)));
  const similarities = inspected.flatMap((chunk) => (chunk.vectorSimilarity === undefined ? [] : [chunk.vectorSimilarity]));
  const bestSimilarity = similarities.length > 0 ? Math.max(...similarities) : null;
  const strong =
    bestCoverage >= WEAK_THRESHOLDS.minTermCoverage ||
    (bestSimilarity !== null && bestSimilarity >= WEAK_THRESHOLDS.minVectorSimilarity);
  return { weak: inspected.length === 0 || !strong, bestCoverage, bestSimilarity };
}
