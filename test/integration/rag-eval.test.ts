import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore, type KnowledgeStore } from "@/src/server/rag/store";
import { indexCorpus, loadEvalSet, scoreConfigs, scoreFollowUps, scoreWeakDetection, type ConfigScore } from "@/test/eval/evaluate";

/**
 * Retrieval quality guard on the real corpus (`npm run eval` prints the full
 * table). Floors sit a little under the measured figures, so a regression fails.
 */
describe("retrieval evaluation (48 questions over the shared corpus)", () => {
  const set = loadEvalSet();
  let store: KnowledgeStore;
  let scores: Map<string, ConfigScore>;

  beforeAll(async () => {
    store = await openStore({ inMemory: true });
    await indexCorpus(store, set.corpusDir);
    scores = new Map((await scoreConfigs(store, set)).map((score) => [score.config, score]));
  }, 120_000);
  afterAll(async () => store?.close());

  it("ranks an OR of lexemes far above websearch_to_tsquery's AND", () => {
    const or = scores.get("fulltext (OR of lexemes)")!;
    const and = scores.get("fulltext (websearch_to_tsquery, AND)")!;
    expect(or.hitAt5).toBeGreaterThanOrEqual(0.9);
    expect(or.hitAt5).toBeGreaterThan(and.hitAt5);
    expect(or.mrrAt10).toBeGreaterThan(and.mrrAt10);
  });

  it("finds an answering file in the top 5 for at least 90% of questions with hybrid retrieval", () => {
    const hybrid = scores.get("hybrid (RRF)")!;
    expect(hybrid.hitAt5).toBeGreaterThanOrEqual(0.9);
    expect(hybrid.mrrAt10).toBeGreaterThanOrEqual(0.8);
    expect(scores.get("vector (fake embeddings)")!.hitAt5).toBeGreaterThanOrEqual(0.85);
  });

  it("answers follow-ups better with the previous turn than alone", async () => {
    const followUps = await scoreFollowUps(store, set);
    expect(followUps.withPreviousTurn).toBeGreaterThanOrEqual(0.8);
    expect(followUps.withPreviousTurn).toBeGreaterThan(followUps.alone);
  });

  it("flags most off-topic questions as weak and few answerable ones", async () => {
    for (const row of await scoreWeakDetection(store, set)) {
      expect(row.offTopicFlaggedWeak, row.mode).toBeGreaterThanOrEqual(0.75);
      expect(row.answerableFlaggedWeak, row.mode).toBeLessThanOrEqual(0.15);
    }
  });
});
