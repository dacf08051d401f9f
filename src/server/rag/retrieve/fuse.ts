import "server-only";
import type { ScoredChunk } from "@/src/server/rag/types";

/** RRF's usual constant: dampens the gap between the first ranks (Cormack et al., 2009). */
export const RRF_K = 60;

export interface FusedChunk extends ScoredChunk {
  /** Sum over the lists of 1 / (RRF_K + rank). */
  fusedScore: number;
  /** 1-based rank in each list that found it. */
  vectorRank?: number;
  textRank?: number;
  vectorSimilarity?: number;
  textRankScore?: number;
  /** The question terms the chunk matched in full text (absent when only the vector list found it). */
  matchedTerms?: string[];
}

/** Reciprocal rank fusion of a vector list and a full-text list, best first. */
export function fuseByReciprocalRank(
  vector: readonly ScoredChunk[],
  text: readonly (ScoredChunk & { matchedTerms?: string[] })[],
): FusedChunk[] {
  const fused = new Map<string, FusedChunk>();
  const add = (list: readonly (ScoredChunk & { matchedTerms?: string[] })[], kind: "vector" | "text"): void => {
    list.forEach((chunk, index) => {
      const rank = index + 1;
      const entry = fused.get(chunk.id) ?? { ...chunk, fusedScore: 0 };
      entry.fusedScore += 1 / (RRF_K + rank);
      if (kind === "vector") Object.assign(entry, { vectorRank: rank, vectorSimilarity: chunk.score });
      else Object.assign(entry, { textRank: rank, textRankScore: chunk.score, ...(chunk.matchedTerms && { matchedTerms: chunk.matchedTerms }) });
      fused.set(chunk.id, entry);
    });
  };
  add(vector, "vector");
  add(text, "text");
  return [...fused.values()].sort((left, right) => right.fusedScore - left.fusedScore || left.id.localeCompare(right.id));
}
