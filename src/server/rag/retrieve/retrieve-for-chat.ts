import "server-only";
import { makeSnippet } from "@/src/server/rag/retrieve/snippet";
import { chunkTerms } from "@/src/server/rag/retrieve/chunk-terms";
import { buildRetrievalQuery, followUpTerms, preferFollowUpTerms, type ConversationMessage } from "@/src/server/rag/retrieve/follow-up";
import { fuseByReciprocalRank, type FusedChunk } from "@/src/server/rag/retrieve/fuse";
import { judgeRetrieval, type ChunkTerms, type RetrievalVerdict } from "@/src/server/rag/retrieve/judge-retrieval";
import type { KnowledgeStore } from "@/src/server/rag/store";
import type { SearchedTerm } from "@/src/server/rag/store/lexical-index";
import { sameEmbeddingSpace, type EmbeddingSpace, type ScoredChunk } from "@/src/server/rag/types";
import type { SourceExplanation } from "@/src/shared/sources";

/** One numbered source of an answer: the prompt cites it as `[index]`, the UI links it. */
export interface RetrievedSource {
  id: string;
  /** 1-based: the `[n]` the model cites. */
  index: number;
  title: string;
  heading: string;
  url: string | null;
  /** Relative to the docs folder. */
  path: string;
  snippet: string;
  text: string;
  score: number;
  explain: SourceExplanation;
}

export type EmbedQuery = (text: string) => Promise<{ embedding: number[]; model: string }>;

export interface RetrieveInput {
  store: KnowledgeStore;
  messages: ConversationMessage[];
  /** null when no credential can embed the query: full text only. */
  embedQuery: EmbedQuery | null;
  k?: number;
}

export interface RetrieveResult {
  sources: RetrievedSource[];
  weak: boolean;
  mode: "hybrid" | "fulltext";
  /** Why vectors were not used, for logs and `quire status`. */
  fallbackReason?: string;
  /** The text that was searched (the question, expanded for a follow-up). */
  query: string;
  /** The question's terms as full text searched them (typos corrected), with their IDF. */
  terms: SearchedTerm[];
  verdict: RetrievalVerdict;
}

export const DEFAULT_K = 5;
/** The question with each corrected typo replaced by the corpus's spelling ("bukcet" → "bucket"), or null when none was. */
export function correctedQuestion(question: string, terms: readonly SearchedTerm[]): string | null {
  const corrections = terms.filter((term) => term.correctedWord !== undefined && term.correctedWord !== term.surface);
  if (corrections.length === 0) return null;
  let text = question;
  for (const term of corrections) {
    const escaped = term.surface.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    text = text.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, "giu"), term.correctedWord ?? term.surface);
  }
  return text;
}

function spaceMismatch(query: EmbeddingSpace, index: EmbeddingSpace): string {
  return `the question was embedded with ${query.model} (${query.dimensions}d) but the index uses ${index.model} (${index.dimensions}d)`;
}

const NO_VECTORS = "the index has no vectors yet (ingested without a key)";

/**
 * Vector candidates, or the reason there are none (never throws: a failed embed means full text).
 * One round trip: the store checks the question's embedding space in the statement that searches.
 */
async function vectorCandidates(
  store: KnowledgeStore,
  embedQuery: EmbedQuery | null,
  query: string,
  pool: number,
): Promise<{ chunks: ScoredChunk[]; fallbackReason?: string }> {
  if (embedQuery === null) return { chunks: [], fallbackReason: "no credential to embed the question" };
  let queryVector: Awaited<ReturnType<EmbedQuery>>;
  try {
    queryVector = await embedQuery(query);
  } catch (error) {
    // Rare: only then is the space read on its own, so that an index without vectors says so first.
    if ((await store.embeddingSpace()) === null) return { chunks: [], fallbackReason: NO_VECTORS };
    return { chunks: [], fallbackReason: `embedding the question failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  const found = await store.searchVectorInSpace(queryVector, pool);
  if (found.space === null) return { chunks: [], fallbackReason: NO_VECTORS };
  const querySpace = { model: queryVector.model, dimensions: queryVector.embedding.length };
  if (!sameEmbeddingSpace(found.space, querySpace)) return { chunks: [], fallbackReason: spaceMismatch(querySpace, found.space) };
  return { chunks: found.chunks };
}

/** The explanation of one source: ranks, scores, and which question terms it contains. */
function explainSource(chunk: FusedChunk, terms: readonly SearchedTerm[], termsOf: ChunkTerms): SourceExplanation {
  const present = termsOf(chunk);
  return {
    fusedScore: chunk.fusedScore,
    ...(chunk.textRank !== undefined && { textRank: chunk.textRank, textScore: chunk.textRankScore }),
    ...(chunk.vectorRank !== undefined && { vectorRank: chunk.vectorRank, vectorSimilarity: chunk.vectorSimilarity }),
    matchedTerms: terms
      .filter((term) => present.has(term.term))
      .map((term) => ({ term: term.term, surface: term.surface, ...(term.correctedFrom !== undefined && { correctedFrom: term.correctedFrom }) })),
  };
}

function toSource(chunk: FusedChunk, position: number, terms: readonly SearchedTerm[], termsOf: ChunkTerms): RetrievedSource {
  return {
    id: chunk.id,
    index: position + 1,
    title: chunk.title,
    heading: chunk.heading,
    url: chunk.url,
    path: chunk.path,
    snippet: makeSnippet(chunk.text),
    text: chunk.text,
    score: chunk.fusedScore,
    explain: explainSource(chunk, terms, termsOf),
  };
}

/**
 * Hybrid retrieval for a chat turn: top candidates by vector similarity and by
 * full text, fused by reciprocal rank. Falls back to full text alone when the
 * question cannot be embedded in the index's space, and flags weak retrieval.
 */
export async function retrieveForChat(input: RetrieveInput): Promise<RetrieveResult> {
  const k = input.k ?? DEFAULT_K;
  const pool = Math.max(k * 4, 20);
  const query = buildRetrievalQuery(input.messages);
  const emptyVerdict: RetrievalVerdict = { weak: true, bestCoverage: 0, unknownShare: 0, bestSimilarity: null };
  if (query.trim() === "") {
    return { sources: [], weak: true, mode: "fulltext", fallbackReason: "empty question", query, terms: [], verdict: emptyVerdict };
  }
  const [firstVector, text] = await Promise.all([
    vectorCandidates(input.store, input.embedQuery, query, pool),
    input.store.searchText(query, pool),
  ]);
  // A misspelled question embeds poorly; when full text corrected a word, the corrected question is embedded
  // again (only then: the common case keeps embedding and text search in parallel).
  const corrected = correctedQuestion(query, text.terms);
  const vector =
    corrected !== null && firstVector.fallbackReason === undefined
      ? await vectorCandidates(input.store, input.embedQuery, corrected, pool)
      : firstVector;
  const fused = preferFollowUpTerms(fuseByReciprocalRank(vector.chunks, text.hits), followUpTerms(input.messages));
  const mode = vector.fallbackReason === undefined ? "hybrid" : "fulltext";
  // The judgement and the explanations ask which question terms a top chunk contains. A full-text hit
  // says so itself (its matched terms are the postings of the question's terms); any other chunk is
  // analyzed, once, and kept for later turns.
  const termsOf: ChunkTerms = (chunk) => (chunk.matchedTerms !== undefined ? new Set(chunk.matchedTerms) : chunkTerms(chunk));
  const verdict = judgeRetrieval({ terms: text.terms, fused, mode, chunks: text.chunks, termsOf });
  return {
    sources: fused.slice(0, k).map((chunk, position) => toSource(chunk, position, text.terms, termsOf)),
    weak: verdict.weak,
    mode,
    ...(vector.fallbackReason !== undefined && { fallbackReason: vector.fallbackReason }),
    query,
    terms: text.terms,
    verdict,
  };
}
