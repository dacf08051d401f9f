import "server-only";
import { firstRelevantRank, type GoldSet, type RetrievedLocation } from "@/src/server/rag/eval/gold-set";

/** What a ranker returns for one question: the chunks in order, and whether it judged the evidence weak. */
export interface RankedAnswer {
  locations: RetrievedLocation[];
  weak: boolean;
}

export type Ranker = (question: { question: string; previous?: string }) => Promise<RankedAnswer>;

/** How many results each question is ranked to (hit@10 and MRR need ten). */
export const EVAL_DEPTH = 10;

export interface QuestionResult {
  id: string;
  question: string;
  kind: string | null;
  /** 1-based rank of the first answering chunk in the top 10, or null. */
  rank: number | null;
  weak: boolean;
}

export interface EvalMetrics {
  questions: number;
  hitAt1: number;
  hitAt5: number;
  hitAt10: number;
  /** Mean reciprocal rank of the first answering chunk, counting ranks up to 5 (MRR@5) and 10 (MRR@10). */
  mrrAt5: number;
  mrrAt10: number;
  /** Share of answerable questions judged weak ("not in the docs"). */
  weakOnAnswerable: number;
  /** Share of off-topic questions judged weak; null when the set has none. */
  weakOnOffTopic: number | null;
  offTopic: number;
  /** hit@5 per question kind, for the kinds the set labels. */
  hitAt5ByKind: Record<string, { questions: number; hitAt5: number }>;
}

export interface EvalReport {
  metrics: EvalMetrics;
  results: QuestionResult[];
  /** Off-topic questions that were *not* judged weak. */
  offTopicAnswered: string[];
}

const share = (count: number, total: number) => (total === 0 ? 0 : count / total);

/** The figures of a list of per-question results (pure, for unit tests). */
export function summarize(results: readonly QuestionResult[], offTopicWeak: readonly boolean[]): EvalMetrics {
  const within = (limit: number) => results.filter((result) => result.rank !== null && result.rank <= limit).length;
  const reciprocal = (limit: number) =>
    results.reduce((sum, result) => sum + (result.rank !== null && result.rank <= limit ? 1 / result.rank : 0), 0);
  const kinds = new Map<string, QuestionResult[]>();
  for (const result of results) {
    if (result.kind !== null) kinds.set(result.kind, [...(kinds.get(result.kind) ?? []), result]);
  }
  const hitAt5ByKind = Object.fromEntries(
    [...kinds.entries()]
      .sort(([left], [right]) => left.localeCompare(right))
      .map(([kind, group]) => [
        kind,
        { questions: group.length, hitAt5: share(group.filter((result) => result.rank !== null && result.rank <= 5).length, group.length) },
      ]),
  );
  return {
    questions: results.length,
    hitAt1: share(within(1), results.length),
    hitAt5: share(within(5), results.length),
    hitAt10: share(within(10), results.length),
    mrrAt5: share(reciprocal(5), results.length),
    mrrAt10: share(reciprocal(10), results.length),
    weakOnAnswerable: share(results.filter((result) => result.weak).length, results.length),
    weakOnOffTopic: offTopicWeak.length === 0 ? null : share(offTopicWeak.filter(Boolean).length, offTopicWeak.length),
    offTopic: offTopicWeak.length,
    hitAt5ByKind,
  };
}

/** Ranks every question of the set (questions one at a time: the store is one connection) and scores it. */
export async function scoreGoldSet(set: GoldSet, rank: Ranker): Promise<EvalReport> {
  const results: QuestionResult[] = [];
  for (const [index, item] of set.questions.entries()) {
    const answer = await rank({ question: item.question, ...(item.previous !== undefined && { previous: item.previous }) });
    results.push({
      id: item.id ?? `#${index + 1}`,
      question: item.question,
      kind: item.kind ?? null,
      rank: firstRelevantRank(answer.locations.slice(0, EVAL_DEPTH), item.expect),
      weak: answer.weak,
    });
  }
  const offTopicWeak: boolean[] = [];
  const offTopicAnswered: string[] = [];
  for (const item of set.offTopic) {
    const answer = await rank({ question: item.question });
    offTopicWeak.push(answer.weak);
    if (!answer.weak) offTopicAnswered.push(item.question);
  }
  return { metrics: summarize(results, offTopicWeak), results, offTopicAnswered };
}
