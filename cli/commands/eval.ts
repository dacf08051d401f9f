import { readFile } from "node:fs/promises";
import path from "node:path";
import type { CliOutput } from "@/cli/output";
import { GoldSetError, parseGoldSet, selectSplit, type GoldSet, type Split } from "@/src/server/rag/eval/gold-set";
import { scoreGoldSet, EVAL_DEPTH, type EvalMetrics, type EvalReport } from "@/src/server/rag/eval/score-gold-set";
import { operatorQueryEmbedder } from "@/cli/operator";
import { retrieveForChat } from "@/src/server/rag/retrieve/retrieve-for-chat";
import { openStore, type KnowledgeStore } from "@/src/server/rag/store";

export interface EvalArgs {
  file: string | undefined;
  json: boolean;
  minHit5?: string;
  minMrr?: string;
  split?: string;
  fulltext: boolean;
}

function parseBar(value: string | undefined, flag: string): number | null | Error {
  if (value === undefined) return null;
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number) || number < 0 || number > 1) return new Error(`${flag} must be a number from 0 to 1, e.g. ${flag} 0.8`);
  return number;
}

/** Expected paths that name no indexed document: almost always a typo in the gold file. */
async function unknownPaths(store: KnowledgeStore, set: GoldSet): Promise<string[]> {
  const indexed = new Set((await store.listDocuments()).map((document) => document.path));
  const expected = set.questions.flatMap((item) => item.expect).filter((value) => !/^https?:\/\//i.test(value));
  return [...new Set(expected.map((value) => value.replace(/^(\.\/)+|^\/+/, "")))].filter((value) => !indexed.has(value));
}

const percent = (value: number | null) => (value === null ? "-" : value.toFixed(3));

function printReport(output: CliOutput, report: EvalReport, mode: string): void {
  const { metrics } = report;
  const rows: [string, string][] = [
    ["questions", String(metrics.questions)],
    ["hit@1", percent(metrics.hitAt1)],
    ["hit@5", percent(metrics.hitAt5)],
    ["hit@10", percent(metrics.hitAt10)],
    ["MRR (@10)", percent(metrics.mrrAt10)],
    ["weak on answerable", percent(metrics.weakOnAnswerable)],
  ];
  if (metrics.offTopic > 0) rows.push([`weak on off-topic (${metrics.offTopic})`, percent(metrics.weakOnOffTopic)]);
  const width = Math.max(...rows.map(([label]) => label.length));
  output.log(`Retrieval (${mode}), ranked to ${EVAL_DEPTH}:`);
  for (const [label, value] of rows) output.log(`  ${label.padEnd(width)}  ${value}`);
  const kinds = Object.entries(metrics.hitAt5ByKind);
  if (kinds.length > 0) {
    output.log("hit@5 by kind:");
    for (const [kind, entry] of kinds) output.log(`  ${kind.padEnd(width)}  ${percent(entry.hitAt5)}  (${entry.questions})`);
  }
  const misses = report.results.filter((result) => result.rank === null || result.rank > 5);
  if (misses.length > 0) {
    output.log(`Not in the top 5 (${misses.length}):`);
    for (const miss of misses) output.log(`  ${miss.id}  ${miss.rank === null ? "not in the top 10" : `rank ${miss.rank}`}: ${miss.question}`);
  }
  if (report.offTopicAnswered.length > 0) {
    output.log(`Off-topic questions not flagged as "not in the docs" (${report.offTopicAnswered.length}):`);
    for (const question of report.offTopicAnswered) output.log(`  ${question}`);
  }
}

/** The bars the run must clear; each failure is a sentence for the operator. */
function barFailures(metrics: EvalMetrics, bars: { hit5: number | null; mrr: number | null }): string[] {
  const failures: string[] = [];
  if (bars.hit5 !== null && metrics.hitAt5 < bars.hit5) failures.push(`hit@5 ${percent(metrics.hitAt5)} is below --min-hit5 ${bars.hit5}`);
  if (bars.mrr !== null && metrics.mrrAt10 < bars.mrr) failures.push(`MRR ${percent(metrics.mrrAt10)} is below --min-mrr ${bars.mrr}`);
  return failures;
}

/**
 * `quire eval <file> [--json] [--min-hit5 0.8] [--min-mrr 0.6] [--split dev|test] [--fulltext]`:
 * retrieval quality on the operator's own gold questions (format: docs/evaluating.md).
 * Exit codes: 0 the bars are met, 1 below a bar (or a failure), 2 a usage error.
 */
export async function runEvalCommand(args: EvalArgs, output: CliOutput): Promise<number> {
  if (args.file === undefined) {
    output.error("quire eval: give a gold-questions file, e.g. quire eval eval/questions.yaml (format: docs/evaluating.md)");
    return 2;
  }
  const hit5 = parseBar(args.minHit5, "--min-hit5");
  const mrr = parseBar(args.minMrr, "--min-mrr");
  for (const bar of [hit5, mrr]) {
    if (bar instanceof Error) {
      output.error(`quire eval: ${bar.message}`);
      return 2;
    }
  }
  if (args.split !== undefined && args.split !== "dev" && args.split !== "test") {
    output.error("quire eval: --split must be dev or test");
    return 2;
  }
  let set: GoldSet;
  try {
    const file = path.resolve(args.file);
    set = selectSplit(parseGoldSet(await readFile(file, "utf8"), args.file), args.split as Split | undefined);
  } catch (error) {
    const reason = error instanceof GoldSetError ? error.message : `cannot read ${args.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
    output.error(`quire eval: ${reason}`);
    return 2;
  }
  if (set.questions.length === 0) {
    output.error(`quire eval: no questions${args.split ? ` in the ${args.split} split` : ""} of ${args.file}`);
    return 2;
  }
  const store = await openStore({ purpose: "cli", readOnly: true });
  try {
    for (const missing of await unknownPaths(store, set)) output.error(`quire eval: warning: "${missing}" is expected but no indexed document has that path`);
    const embedQuery = args.fulltext ? null : operatorQueryEmbedder();
    let mode = "full text";
    const report = await scoreGoldSet(set, async (question) => {
      const result = await retrieveForChat({
        store,
        messages: question.previous === undefined
          ? [{ role: "user", text: question.question }]
          : [{ role: "user", text: question.previous }, { role: "assistant", text: "" }, { role: "user", text: question.question }],
        embedQuery,
        k: EVAL_DEPTH,
      });
      if (result.mode === "hybrid") mode = "hybrid";
      return { locations: result.sources.map((source) => ({ path: source.path, url: source.url })), weak: result.weak };
    });
    const failures = barFailures(report.metrics, { hit5: hit5 as number | null, mrr: mrr as number | null });
    if (args.json) {
      output.log(JSON.stringify({ mode, ...report.metrics, passed: failures.length === 0, failures, results: report.results, offTopicAnswered: report.offTopicAnswered }, null, 2));
    } else {
      printReport(output, report, mode);
    }
    for (const failure of failures) output.error(`quire eval: ${failure}`);
    return failures.length === 0 ? 0 : 1;
  } finally {
    await store.close();
  }
}
