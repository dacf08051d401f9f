import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { DEFAULT_CHUNKING } from "@/src/server/rag/chunk/chunker";
import type { EmbedFunction } from "@/src/server/rag/ingest/embedder";
import { ingestDirectory } from "@/src/server/rag/ingest/ingest";
import { retrieveForChat } from "@/src/server/rag/retrieve";
import type { KnowledgeStore } from "@/src/server/rag/store";
import type { ScoredChunk } from "@/src/server/rag/types";
import { FAKE_EMBEDDING_DIMENSIONS, fakeEmbedding } from "@/test/fakes/embedding";

/** The repository root, from which the shared corpus is resolved (`../shared/corpus/…`). */
export const repoRoot = path.resolve(import.meta.dirname, "../..");

const questionsSchema = z.object({
  corpus: z.string(),
  questions: z.array(z.object({ id: z.string(), question: z.string(), relevant: z.array(z.string()).min(1) })).min(40),
  offTopic: z.array(z.string()),
  followUps: z.array(z.object({ previous: z.string(), question: z.string(), relevant: z.array(z.string()).min(1) })),
});
export type EvalSet = z.infer<typeof questionsSchema>;

export function loadEvalSet(): EvalSet & { corpusDir: string } {
  const set = questionsSchema.parse(JSON.parse(readFileSync(path.join(repoRoot, "test/eval/questions.json"), "utf8")));
  return { ...set, corpusDir: path.resolve(repoRoot, set.corpus) };
}

export const FAKE_MODEL = "fake/bge-m3-hash";

/** The deterministic fake embedder of test/fakes, as ingestion and queries see it. */
export const fakeEmbed: EmbedFunction = Object.assign(
  async (texts: string[]) => ({ embeddings: texts.map(fakeEmbedding), model: FAKE_MODEL, dimensions: FAKE_EMBEDDING_DIMENSIONS }),
  { model: FAKE_MODEL },
);
export const fakeEmbedQuery = async (text: string) => ({ embedding: fakeEmbedding(text), model: FAKE_MODEL });

/** Indexes the corpus with the default chunking and fake vectors. */
export async function indexCorpus(store: KnowledgeStore, corpusDir: string) {
  return ingestDirectory({ store, docsDir: corpusDir, chunking: DEFAULT_CHUNKING, embed: fakeEmbed, embedBatchSize: 64 });
}

export type ConfigName = "fulltext (websearch_to_tsquery, AND)" | "fulltext (OR of lexemes)" | "vector (fake embeddings)" | "hybrid (RRF)";

type Ranker = (question: string, k: number) => Promise<string[]>;

const paths = (chunks: ScoredChunk[]) => chunks.map((chunk) => chunk.path);

export function rankers(store: KnowledgeStore): Record<ConfigName, Ranker> {
  return {
    "fulltext (websearch_to_tsquery, AND)": async (question, k) => paths(await store.searchText(question, k, { match: "all" })),
    "fulltext (OR of lexemes)": async (question, k) => paths(await store.searchText(question, k)),
    "vector (fake embeddings)": async (question, k) => paths(await store.searchVector(fakeEmbedding(question), k)),
    "hybrid (RRF)": async (question, k) =>
      (await retrieveForChat({ store, messages: [{ role: "user", text: question }], embedQuery: fakeEmbedQuery, k })).sources.map(
        (source) => source.path,
      ),
  };
}

export interface ConfigScore {
  config: ConfigName;
  hitAt5: number;
  mrrAt10: number;
  misses: string[];
}

/** hit@5 (a relevant file among the top 5 chunks) and MRR@10 (by the first relevant chunk) per configuration. */
export async function scoreConfigs(store: KnowledgeStore, set: EvalSet): Promise<ConfigScore[]> {
  const scores: ConfigScore[] = [];
  for (const [config, rank] of Object.entries(rankers(store)) as [ConfigName, Ranker][]) {
    let hits = 0;
    let reciprocal = 0;
    const misses: string[] = [];
    for (const item of set.questions) {
      const ranked = await rank(item.question, 10);
      const first = ranked.findIndex((found) => item.relevant.includes(found));
      if (first !== -1 && first < 5) hits++;
      else misses.push(item.id);
      if (first !== -1) reciprocal += 1 / (first + 1);
    }
    scores.push({ config, hitAt5: hits / set.questions.length, mrrAt10: reciprocal / set.questions.length, misses });
  }
  return scores;
}

export interface WeakScore {
  mode: "fulltext" | "hybrid";
  answerableFlaggedWeak: number;
  offTopicFlaggedWeak: number;
}

/** How often weak retrieval is flagged on answerable and on off-topic questions. */
export async function scoreWeakDetection(store: KnowledgeStore, set: EvalSet): Promise<WeakScore[]> {
  const results: WeakScore[] = [];
  for (const mode of ["fulltext", "hybrid"] as const) {
    const weakShare = async (questions: string[]) => {
      let weak = 0;
      for (const question of questions) {
        const result = await retrieveForChat({
          store,
          messages: [{ role: "user", text: question }],
          embedQuery: mode === "hybrid" ? fakeEmbedQuery : null,
        });
        if (result.weak) weak++;
      }
      return weak / Math.max(1, questions.length);
    };
    results.push({
      mode,
      answerableFlaggedWeak: await weakShare(set.questions.map((item) => item.question)),
      offTopicFlaggedWeak: await weakShare(set.offTopic),
    });
  }
  return results;
}

/** hit@5 of follow-up questions ("and on a Mac?") asked alone and with the previous turn (hybrid retrieval). */
export async function scoreFollowUps(store: KnowledgeStore, set: EvalSet): Promise<{ alone: number; withPreviousTurn: number }> {
  let alone = 0;
  let expanded = 0;
  for (const item of set.followUps) {
    const hit = async (messages: { role: "user" | "assistant"; text: string }[]) => {
      const result = await retrieveForChat({ store, messages, embedQuery: fakeEmbedQuery, k: 5 });
      return result.sources.some((source) => item.relevant.includes(source.path)) ? 1 : 0;
    };
    alone += await hit([{ role: "user", text: item.question }]);
    expanded += await hit([
      { role: "user", text: item.previous },
      { role: "assistant", text: "(previous answer)" },
      { role: "user", text: item.question },
    ]);
  }
  const count = Math.max(1, set.followUps.length);
  return { alone: alone / count, withPreviousTurn: expanded / count };
}
