import "server-only";
import type { FusedChunk } from "@/src/server/rag/retrieve/fuse";
import type { SearchedTerm } from "@/src/server/rag/store/lexical-index";

/**
 * "Not in the docs": the fused top results carry too little evidence that they
 * answer the question. Rank scores only order candidates (the best of an
 * irrelevant lot still ranks first), so the judgement uses two features:
 *
 * - coverage: the best inspected chunk's IDF-weighted share of the question's
 *   terms (rare terms weigh most; a term the corpus never uses weighs most of all);
 * - unknown share: the IDF-weighted share of the question that *no* chunk of the
 *   corpus contains. A reworded question about the docs uses words the docs use
 *   somewhere; a question about something else brings words they never use.
 *
 * Weak when coverage is low, or middling while much of the question is unknown
 * to the corpus. In hybrid mode a high cosine similarity also counts as evidence.
 */
export const WEAK_THRESHOLDS = {
  // Calibrated on the dev half of test/eval/corpus.json (`npm run eval -- --calibrate`), in a plateau
  // of the grid: full text flags 2% of dev's answerable and 90% of its off-topic questions.
  fulltext: { minCoverage: 0.36, minCoverageWhenUnknown: 0.65, maxUnknownShare: 0.25 },
  // The similarity bar is BGE-M3's (unrelated text sits around 0.3-0.45), not fitted to the fake vectors.
  hybrid: { minCoverage: 0.36, minCoverageWhenUnknown: 0.65, maxUnknownShare: 0.25, minVectorSimilarity: 0.6 },
  /**
   * Absence from the corpus is evidence only in a corpus big enough for its vocabulary to cover the
   * everyday words of its domain: in a handful of pages most words of a reworded question are new.
   */
  minChunksForUnknown: 300,
  /** How many of the fused top results are looked at (the sources the model sees). */
  inspect: 5,
} as const;

export type RetrievalMode = "hybrid" | "fulltext";

/** The index terms of a chunk (title, heading and text); retrieval analyzes each chunk once and shares the result. */
export type ChunkTerms = (chunk: FusedChunk) => ReadonlySet<string> | ReadonlyMap<string, unknown>;

/** IDF-weighted share of the question's terms that a chunk contains (`present`: the chunk's index terms). */
export function idfCoverage(terms: readonly SearchedTerm[], present: ReadonlySet<string> | ReadonlyMap<string, unknown>): number {
  if (terms.length === 0) return 0;
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
  /** IDF-weighted share of the question that no chunk of the corpus contains (after typo correction). */
  unknownShare: number;
  bestSimilarity: number | null;
}

/** IDF-weighted share of the question's terms that the whole corpus never uses. */
export function unknownShare(terms: readonly SearchedTerm[]): number {
  const total = terms.reduce((sum, term) => sum + term.weight * term.idf, 0);
  const unknown = terms.filter((term) => term.df === 0).reduce((sum, term) => sum + term.weight * term.idf, 0);
  return total === 0 ? 0 : unknown / total;
}

interface LexicalThresholds {
  minCoverage: number;
  minCoverageWhenUnknown: number;
  maxUnknownShare: number;
}

/**
 * The lexical half of the judgement: evidence when the sources cover enough of
 * the question, unless they cover only some of it while much of it is unknown
 * to a corpus big enough for that to mean something (`unknownCounts`).
 * Exported for the calibration grid (`npm run eval -- --calibrate`), which varies the thresholds.
 */
export function hasLexicalEvidence(
  features: Pick<RetrievalVerdict, "bestCoverage" | "unknownShare">,
  thresholds: LexicalThresholds,
  unknownCounts: boolean,
): boolean {
  if (features.bestCoverage < thresholds.minCoverage) return false;
  return !(unknownCounts && features.bestCoverage < thresholds.minCoverageWhenUnknown && features.unknownShare >= thresholds.maxUnknownShare);
}

/** True when "the corpus never uses this word" is evidence in an index of this many chunks. */
export function unknownWordsCount(chunks: number): boolean {
  return chunks >= WEAK_THRESHOLDS.minChunksForUnknown;
}

/** Judges the fused list for the searched terms; an empty list, or a question with no terms, is weak. */
export function judgeRetrieval(input: {
  terms: readonly SearchedTerm[];
  fused: readonly FusedChunk[];
  mode: RetrievalMode;
  /** Chunks in the index. */
  chunks: number;
  termsOf: ChunkTerms;
}): RetrievalVerdict {
  const inspected = input.fused.slice(0, WEAK_THRESHOLDS.inspect);
  const bestCoverage = Math.max(0, ...inspected.map((chunk) => idfCoverage(input.terms, input.termsOf(chunk))));
  const similarities = inspected.flatMap((chunk) => (chunk.vectorSimilarity === undefined ? [] : [chunk.vectorSimilarity]));
  const bestSimilarity = similarities.length > 0 ? Math.max(...similarities) : null;
  const thresholds = WEAK_THRESHOLDS[input.mode];
  const unknown = unknownShare(input.terms);
  const lexicalEvidence = hasLexicalEvidence({ bestCoverage, unknownShare: unknown }, thresholds, unknownWordsCount(input.chunks));
  const vectorEvidence = "minVectorSimilarity" in thresholds && bestSimilarity !== null && bestSimilarity >= thresholds.minVectorSimilarity;
  return { weak: inspected.length === 0 || !(lexicalEvidence || vectorEvidence), bestCoverage, unknownShare: unknown, bestSimilarity };
}
