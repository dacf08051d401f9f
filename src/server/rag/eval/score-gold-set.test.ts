import { describe, expect, it } from "vitest";
import { parseGoldSet, type RetrievedLocation } from "@/src/server/rag/eval/gold-set";
import { EVAL_DEPTH, scoreGoldSet, summarize, type QuestionResult, type RankedAnswer, type Ranker } from "@/src/server/rag/eval/score-gold-set";

const result = (rank: number | null, options: { kind?: string; weak?: boolean } = {}): QuestionResult => ({
  id: `q${rank ?? "-"}`,
  question: "q",
  kind: options.kind ?? null,
  rank,
  weak: options.weak ?? false,
});

const at = (path: string): RetrievedLocation => ({ path, url: null });
/** Chunks filler-1.md … filler-n.md, none of them an answer. */
const filler = (count: number) => Array.from({ length: count }, (_, index) => at(`filler-${index + 1}.md`));

/** A ranker answering from a table keyed by question, recording every call. */
function fakeRanker(answers: Record<string, RankedAnswer>): { rank: Ranker; calls: Array<{ question: string; previous?: string }> } {
  const calls: Array<{ question: string; previous?: string }> = [];
  const rank: Ranker = async (question) => {
    calls.push(question);
    const answer = answers[question.question];
    if (answer === undefined) throw new Error(`unexpected question ${question.question}`);
    return answer;
  };
  return { rank, calls };
}

describe("summarising results", () => {
  it("counts hits at 1, 5 and 10 as shares of the questions", () => {
    const metrics = summarize([result(1), result(3), result(7), result(null)], []);
    expect(metrics.questions).toBe(4);
    expect(metrics.hitAt1).toBe(0.25);
    expect(metrics.hitAt5).toBe(0.5);
    expect(metrics.hitAt10).toBe(0.75);
  });

  it("counts ranks 5 and 10 as hits at their limit", () => {
    const metrics = summarize([result(5), result(10)], []);
    expect(metrics.hitAt5).toBe(0.5);
    expect(metrics.hitAt10).toBe(1);
  });

  it("averages reciprocal ranks over all questions; a rank-7 hit counts for MRR@10 only", () => {
    const metrics = summarize([result(1), result(2), result(7), result(null)], []);
    expect(metrics.mrrAt5).toBeCloseTo((1 + 1 / 2) / 4, 12);
    expect(metrics.mrrAt10).toBeCloseTo((1 + 1 / 2 + 1 / 7) / 4, 12);
    const onlyRankSeven = summarize([result(7)], []);
    expect(onlyRankSeven.mrrAt5).toBe(0);
    expect(onlyRankSeven.mrrAt10).toBeCloseTo(1 / 7, 12);
  });

  it("gives the share of answerable and of off-topic questions judged weak", () => {
    const metrics = summarize([result(1, { weak: true }), result(null, { weak: true }), result(2), result(3)], [true, false, true]);
    expect(metrics.weakOnAnswerable).toBe(0.5);
    expect(metrics.weakOnOffTopic).toBeCloseTo(2 / 3, 12);
    expect(metrics.offTopic).toBe(3);
  });

  it("reports hit@5 per labelled kind, sorted by kind, leaving unlabelled questions out", () => {
    const metrics = summarize(
      [result(1, { kind: "typo" }), result(6, { kind: "typo" }), result(null, { kind: "identifier" }), result(2, { kind: "identifier" }), result(3, { kind: "identifier" }), result(1)],
      [],
    );
    expect(metrics.hitAt5ByKind).toEqual({ identifier: { questions: 3, hitAt5: 2 / 3 }, typo: { questions: 2, hitAt5: 0.5 } });
    expect(Object.keys(metrics.hitAt5ByKind)).toEqual(["identifier", "typo"]);
  });

  it("is all zeros for no questions, and has no off-topic rate without off-topic questions", () => {
    expect(summarize([], [])).toEqual({
      questions: 0,
      hitAt1: 0,
      hitAt5: 0,
      hitAt10: 0,
      mrrAt5: 0,
      mrrAt10: 0,
      weakOnAnswerable: 0,
      weakOnOffTopic: null,
      offTopic: 0,
      hitAt5ByKind: {},
    });
    expect(summarize([], [false, false]).weakOnOffTopic).toBe(0);
  });
});

describe("scoring a gold set", () => {
  const set = parseGoldSet(
    JSON.stringify({
      questions: [
        { id: "install", question: "How do I install?", expect: "install.md", kind: "natural" },
        { question: "Where is dataWorkerCount set?", expect: ["config.md", "https://docs.example.com/config#workers"], kind: "identifier" },
        { question: "What is staking?", expect: "staking.md" },
      ],
      offTopic: ["Best sourdough recipe?", { question: "Weather tomorrow?" }],
      followUps: [{ question: "never asked by scoreGoldSet", expect: "x.md" }],
    }),
    "gold.json",
  );

  it("ranks each question, then each off-topic question, once and in order", async () => {
    const { rank, calls } = fakeRanker({
      "How do I install?": { locations: [at("install.md")], weak: false },
      "Where is dataWorkerCount set?": { locations: [at("a.md"), { path: "b.md", url: "https://docs.example.com/config/#workers" }], weak: false },
      "What is staking?": { locations: [], weak: true },
      "Best sourdough recipe?": { locations: [at("recipes.md")], weak: true },
      "Weather tomorrow?": { locations: [at("weather.md")], weak: false },
    });
    const report = await scoreGoldSet(set, rank);

    // The set's followUps are not scored here: the caller passes them as questions (with and without `previous`).
    expect(calls).toEqual([
      { question: "How do I install?" },
      { question: "Where is dataWorkerCount set?" },
      { question: "What is staking?" },
      { question: "Best sourdough recipe?" },
      { question: "Weather tomorrow?" },
    ]);
    expect(report.results).toEqual([
      { id: "install", question: "How do I install?", kind: "natural", rank: 1, weak: false },
      { id: "#2", question: "Where is dataWorkerCount set?", kind: "identifier", rank: 2, weak: false },
      { id: "#3", question: "What is staking?", kind: null, rank: null, weak: true },
    ]);
    expect(report.offTopicAnswered).toEqual(["Weather tomorrow?"]);
    expect(report.metrics).toMatchObject({ questions: 3, hitAt1: 1 / 3, hitAt5: 2 / 3, weakOnAnswerable: 1 / 3, weakOnOffTopic: 0.5, offTopic: 2 });
    expect(report.metrics.mrrAt10).toBeCloseTo((1 + 1 / 2) / 3, 12);
  });

  it(`looks only at the first EVAL_DEPTH (${EVAL_DEPTH}) chunks`, async () => {
    const single = parseGoldSet(JSON.stringify({ questions: [{ question: "deep", expect: "answer.md" }, { question: "last", expect: "answer.md" }] }), "gold.json");
    const { rank } = fakeRanker({
      deep: { locations: [...filler(EVAL_DEPTH), at("answer.md")], weak: false },
      last: { locations: [...filler(EVAL_DEPTH - 1), at("answer.md")], weak: false },
    });
    const report = await scoreGoldSet(single, rank);
    expect(report.results.map((item) => item.rank)).toEqual([null, EVAL_DEPTH]);
    expect(report.metrics.hitAt10).toBe(0.5);
  });

  it("passes a follow-up's previous question to the ranker, and none for a question that has none", async () => {
    const followUps = parseGoldSet(
      JSON.stringify({
        questions: [
          { question: "and on Windows?", previous: "How do I install on Linux?", expect: "windows.md" },
          { question: "How do I install on Linux?", expect: "install.md" },
        ],
      }),
      "gold.json",
    );
    const { rank, calls } = fakeRanker({
      "and on Windows?": { locations: [at("windows.md")], weak: false },
      "How do I install on Linux?": { locations: [at("install.md")], weak: false },
    });
    const report = await scoreGoldSet(followUps, rank);
    expect(calls).toEqual([{ question: "and on Windows?", previous: "How do I install on Linux?" }, { question: "How do I install on Linux?" }]);
    expect(calls[1]).not.toHaveProperty("previous");
    expect(report.results.map((item) => item.rank)).toEqual([1, 1]);
  });

  it("counts every off-topic question judged weak, and lists those that were answered", async () => {
    const offTopicOnly = parseGoldSet(
      JSON.stringify({ questions: [{ question: "q", expect: "a.md" }], offTopic: ["one?", "two?", "three?", "four?"] }),
      "gold.json",
    );
    const { rank } = fakeRanker({
      "q": { locations: [at("a.md")], weak: false },
      "one?": { locations: [], weak: true },
      "two?": { locations: [at("a.md")], weak: false },
      "three?": { locations: [], weak: true },
      "four?": { locations: [at("b.md")], weak: false },
    });
    const report = await scoreGoldSet(offTopicOnly, rank);
    expect(report.metrics.offTopic).toBe(4);
    expect(report.metrics.weakOnOffTopic).toBe(0.5);
    expect(report.offTopicAnswered).toEqual(["two?", "four?"]);
    // Off-topic answers never enter the per-question results.
    expect(report.results).toHaveLength(1);
  });

  it("has no off-topic rate when the set has no off-topic questions", async () => {
    const { rank } = fakeRanker({ q: { locations: [], weak: false } });
    const report = await scoreGoldSet(parseGoldSet(JSON.stringify({ questions: [{ question: "q", expect: "a.md" }] }), "gold.json"), rank);
    expect(report.metrics.weakOnOffTopic).toBeNull();
    expect(report.offTopicAnswered).toEqual([]);
  });
});
