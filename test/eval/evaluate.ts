import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import MiniSearch from "minisearch";
import { chunkDocument, DEFAULT_CHUNKING } from "@/src/server/rag/chunk/chunker";
import { parseGoldSet, selectSplit, type GoldSet, type Split } from "@/src/server/rag/eval/gold-set";
import { scoreGoldSet, EVAL_DEPTH, type EvalReport, type Ranker } from "@/src/server/rag/eval/score-gold-set";
import type { EmbedFunction } from "@/src/server/rag/ingest/embedder";
import { ingestDirectory } from "@/src/server/rag/ingest/ingest";
import { listDocumentFiles, loadDocument } from "@/src/server/rag/load/load-documents";
import { retrieveForChat, type RetrieveResult } from "@/src/server/rag/retrieve/retrieve-for-chat";
import type { ConversationMessage } from "@/src/server/rag/retrieve/follow-up";
import { openStore, type KnowledgeStore } from "@/src/server/rag/store";
import { FAKE_EMBEDDING_DIMENSIONS, fakeEmbedding } from "@/test/fakes/embedding";

/** The repository root; the shared corpus is resolved from it (`../shared/corpus/…`). */
export const repoRoot = path.resolve(import.meta.dirname, "../..");

export interface EvalSetFile {
  /** `corpus` (the shared Quilibrium docs) or `quire-docs` (this repository's docs/). */
  name: "corpus" | "quire-docs";
  set: GoldSet;
  docsDir: string;
  /** Why the set cannot run here (its docs are missing), or null. */
  unavailable: string | null;
}

/** Loads one of the project's gold sets (test/eval/<name>.json) and where its docs are. */
export function loadEvalSet(name: EvalSetFile["name"]): EvalSetFile {
  const file = path.join(repoRoot, "test/eval", `${name}.json`);
  const set = parseGoldSet(readFileSync(file, "utf8"), file);
  const corpus = typeof set.corpus === "string" ? set.corpus : "docs";
  const docsDir = path.resolve(repoRoot, corpus);
  const unavailable = existsSync(docsDir) ? null : `${path.relative(repoRoot, docsDir)} is not there (the shared corpus sits beside the repository in CI)`;
  return { name, set, docsDir, unavailable };
}

export const FAKE_MODEL = "fake/bge-m3-hash";

/** The deterministic fake embedder of test/fakes, as ingestion and queries see it. */
export const fakeEmbed: EmbedFunction = Object.assign(
  async (texts: string[]) => ({ embeddings: texts.map(fakeEmbedding), model: FAKE_MODEL, dimensions: FAKE_EMBEDDING_DIMENSIONS }),
  { model: FAKE_MODEL },
);
export const fakeEmbedQuery = async (text: string) => ({ embedding: fakeEmbedding(text), model: FAKE_MODEL });

/** A fresh in-memory store with the docs indexed (default chunking, fake vectors). */
export async function indexDocs(docsDir: string): Promise<{ store: KnowledgeStore; chunks: number; durationMs: number }> {
  const store = await openStore({ inMemory: true });
  const summary = await ingestDirectory({ store, docsDir, chunking: DEFAULT_CHUNKING, embed: fakeEmbed, embedBatchSize: 64 });
  return { store, chunks: summary.chunks, durationMs: summary.durationMs };
}

export type ConfigName = "BM25 baseline (MiniSearch)" | "Quire full text" | "Quire vector (fake embeddings)" | "Quire hybrid (fake embeddings)";

function conversation(question: { question: string; previous?: string }): ConversationMessage[] {
  if (question.previous === undefined) return [{ role: "user", text: question.question }];
  return [
    { role: "user", text: question.previous },
    { role: "assistant", text: "(previous answer)" },
    { role: "user", text: question.question },
  ];
}

const answerOf = (result: RetrieveResult) => ({
  locations: result.sources.map((source) => ({ path: source.path, url: source.url })),
  weak: result.weak,
});

/** Quire's retrieval exactly as chat runs it, in full-text or hybrid mode. */
export function quireRanker(store: KnowledgeStore, mode: "fulltext" | "hybrid"): Ranker {
  return async (question) =>
    answerOf(
      await retrieveForChat({
        store,
        messages: conversation(question),
        embedQuery: mode === "hybrid" ? fakeEmbedQuery : null,
        k: EVAL_DEPTH,
      }),
    );
}

/**
 * The lexical baseline: MiniSearch's BM25 over the very same chunks (title,
 * heading and text fields, default options: no fuzzy, no prefix, OR of terms).
 */
export async function miniSearchRanker(docsDir: string): Promise<Ranker> {
  const index = new MiniSearch<{ id: number; path: string; url: string | null; title: string; heading: string; text: string }>({
    fields: ["title", "heading", "text"],
    storeFields: ["path", "url"],
  });
  let id = 0;
  for (const file of await listDocumentFiles(docsDir)) {
    for (const chunk of chunkDocument(await loadDocument(docsDir, file), DEFAULT_CHUNKING)) {
      index.add({ id: id++, path: chunk.path, url: chunk.url, title: chunk.title, heading: chunk.heading, text: chunk.text });
    }
  }
  return async (question) => ({
    locations: index
      .search(question.previous === undefined ? question.question : `${question.previous} ${question.question}`)
      .slice(0, EVAL_DEPTH)
      .map((hit) => ({ path: String(hit.path), url: typeof hit.url === "string" ? hit.url : null })),
    weak: false,
  });
}

function vectorRanker(store: KnowledgeStore): Ranker {
  return async (question) => ({
    locations: (await store.searchVector(fakeEmbedding(question.question), EVAL_DEPTH)).map((chunk) => ({ path: chunk.path, url: chunk.url })),
    weak: false,
  });
}

export interface ConfigReport {
  config: ConfigName;
  split: Split;
  report: EvalReport;
  /** Whether this configuration judges weak retrieval at all (the baseline and vector-only do not). */
  judgesWeak: boolean;
}

/** Every configuration on both halves of a set. */
export async function evaluateSet(file: EvalSetFile, store: KnowledgeStore): Promise<ConfigReport[]> {
  const rankers: [ConfigName, Ranker, boolean][] = [
    ["BM25 baseline (MiniSearch)", await miniSearchRanker(file.docsDir), false],
    ["Quire full text", quireRanker(store, "fulltext"), true],
    ["Quire vector (fake embeddings)", vectorRanker(store), false],
    ["Quire hybrid (fake embeddings)", quireRanker(store, "hybrid"), true],
  ];
  const reports: ConfigReport[] = [];
  for (const split of ["dev", "test"] as const) {
    const half = selectSplit(file.set, split);
    for (const [config, rank, judgesWeak] of rankers) {
      reports.push({ config, split, report: await scoreGoldSet({ ...half, offTopic: judgesWeak ? half.offTopic : [] }, rank), judgesWeak });
    }
  }
  return reports;
}

/** hit@5 of follow-ups asked alone and with the previous turn (hybrid), on one half. */
export async function evaluateFollowUps(file: EvalSetFile, store: KnowledgeStore, split: Split): Promise<{ count: number; alone: number; withPreviousTurn: number } | null> {
  const followUps = selectSplit(file.set, split).followUps;
  if (followUps.length === 0) return null;
  const rank = quireRanker(store, "hybrid");
  const withPrevious = await scoreGoldSet({ ...file.set, questions: followUps, offTopic: [] }, rank);
  const alone = await scoreGoldSet({ ...file.set, questions: followUps.map(({ previous: _previous, ...item }) => item), offTopic: [] }, rank);
  return { count: followUps.length, alone: alone.metrics.hitAt5, withPreviousTurn: withPrevious.metrics.hitAt5 };
}
