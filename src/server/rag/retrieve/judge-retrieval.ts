import { analyzeChunk } from "@/src/server/rag/lexical/analyze";
import type { FusedChunk } from "@/src/server/rag/retrieve/fuse";
import type { SearchedTerm } from "@/src/server/rag/store/lexical-index";

/**
 * "Not in the docs": the fused top results carry too little evidence that they
 * answer the question. Rank scores only order candidates (the best of an
 * irrelevant lot still ranks first), so each inspected chunk is judged on its
 * IDF-weighted coverage of the question: the share of the question's
 * information (rare terms weigh most, a term the corpus never uses weighs the
 * most of all) that the chunk contains. In hybrid mode a high cosine
 * similarity also counts as evidence. Thresholds are calibrated on the `dev`
 * half of the evaluation set (`npm run eval`), separately per mode.
 */
export const WEAK_THRESHOLDS = {
  fulltext: { minCoverage: 0.5 },
  hybrid: { minCoverage: 0.5, minVectorSimilarity: 0.6 },
  /** How many of the fused top results are looked at. */
  inspect: 3,
} as const;

export type RetrievalMode = "hybrid" | "fulltext";

/** IDF-weighted share of the question's terms that a chunk (title, heading and text) contains. */
export function idfCoverage(
  terms: readonly SearchedTerm[],
  chunk: Pick<FusedChunk, "title" | "heading" | "text">,
): number {
  if (terms.length === 0) return 0;
  const present = analyzeChunk(chunk).terms;
  let total = 0;
  let covered = 0;
  for (const term of terms) {
    // A term no chunk contains carries the highest IDF there is (computed with df 0).
    const weight = term.weight * term.idf;
    total += weight;
    if (present.has(term.term)) covered += weight;
  }
  return total === 0 ? 0 : covered / total;
}

export interface RetrievalVerdict {
  weak: boolean;
  bestCoverage: number;
  bestSimilarity: number | null;
}

/** Judges the fused list for the searched terms; an empty list, or a question with no terms, is weak. */
export function judgeRetrieval(input: {
  terms: readonly SearchedTerm[];
  fused: readonly FusedChunk[];
  mode: RetrievalMode;
}): RetrievalVerdict {
  const inspected = input.fused.slice(0, WEAK_THRESHOLDS.inspect);
  const bestCoverage = Math.max(0, ...inspected.map((chunk) => idfCoverage(input.terms, chunk)));
  const similarities = inspected.flatMap((chunk) => (chunk.vectorSimilarity === undefined ? [] : [chunk.vectorSimilarity]));
  const bestSimilarity = similarities.length > 0 ? Math.max(...similarities) : null;
  const thresholds = WEAK_THRESHOLDS[input.mode];
  const strong =
    bestCoverage >= thresholds.minCoverage ||
    ("minVectorSimilarity" in thresholds && bestSimilarity !== null && bestSimilarity >= thresholds.minVectorSimilarity);
  return { weak: inspected.length === 0 || !strong, bestCoverage, bestSimilarity };
}
