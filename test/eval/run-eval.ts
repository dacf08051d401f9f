import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { selectSplit } from "@/src/server/rag/eval/gold-set";
import { retrieveForChat } from "@/src/server/rag/retrieve/retrieve-for-chat";
import { hasLexicalEvidence, unknownWordsCount, type RetrievalVerdict } from "@/src/server/rag/retrieve/judge-retrieval";
import {
  evaluateFollowUps,
  evaluateSet,
  fakeEmbedQuery,
  indexDocs,
  loadEvalSet,
  repoRoot,
  type ConfigReport,
  type EvalSetFile,
} from "@/test/eval/evaluate";

/**
 * `npm run eval`: retrieval quality of Quire against a BM25 baseline, on the
 * `dev` half (tuned on) and the `test` half (reported, never tuned on) of each
 * gold set. `-- --calibrate` prints the weak-judgement features on dev only.
 */
const fixed = (value: number | null) => (value === null ? "-" : value.toFixed(3));

function printReports(reports: ConfigReport[]): void {
  for (const split of ["dev", "test"] as const) {
    const rows = reports.filter((row) => row.split === split);
    const count = rows[0]?.report.metrics;
    console.log(`\n  ${split}: ${count?.questions ?? 0} answerable questions, ${rows.find((row) => row.judgesWeak)?.report.metrics.offTopic ?? 0} off-topic`);
    console.table(
      rows.map(({ config, report: { metrics }, judgesWeak }) => ({
        config,
        "hit@1": fixed(metrics.hitAt1),
        "hit@5": fixed(metrics.hitAt5),
        "hit@10": fixed(metrics.hitAt10),
        "MRR@5": fixed(metrics.mrrAt5),
        "MRR@10": fixed(metrics.mrrAt10),
        "weak: answerable": judgesWeak ? fixed(metrics.weakOnAnswerable) : "-",
        "weak: off-topic": judgesWeak ? fixed(metrics.weakOnOffTopic) : "-",
      })),
    );
    const kinds = [...new Set(rows.flatMap((row) => Object.keys(row.report.metrics.hitAt5ByKind)))];
    console.log(`  hit@5 by kind (${split}):`);
    console.table(
      rows.map(({ config, report }) => ({
        config,
        ...Object.fromEntries(kinds.map((kind) => {
          const entry = report.metrics.hitAt5ByKind[kind];
          return [`${kind} (${entry?.questions ?? 0})`, entry ? fixed(entry.hitAt5) : "-"];
        })),
      })),
    );
  }
}

/** Dev only: the features the weak judgement thresholds on, for answerable and off-topic questions. */
async function calibrate(file: EvalSetFile, store: Awaited<ReturnType<typeof indexDocs>>["store"]): Promise<void> {
  const dev = selectSplit(file.set, "dev");
  for (const mode of ["fulltext", "hybrid"] as const) {
    const features = async (question: string) =>
      (await retrieveForChat({ store, messages: [{ role: "user", text: question }], embedQuery: mode === "hybrid" ? fakeEmbedQuery : null, k: 10 })).verdict;
    const large = unknownWordsCount((await store.status()).chunks);
    const answerable = [];
    for (const item of dev.questions) answerable.push(await features(item.question));
    const offTopic = [];
    for (const item of dev.offTopic) offTopic.push(await features(item.question));
    console.log(`\n  calibration (${file.name}, dev, ${mode}): weak = coverage < c1, or coverage < c2 while the unknown share >= u`);
    console.log("  (vector similarity left out: the fake vectors' similarities say nothing about real ones)");
    const rows = [];
    for (const c1 of [0.3, 0.33, 0.36, 0.4, 0.45, 0.5]) {
      for (const c2 of [0.5, 0.6, 0.65, 0.7]) {
        for (const u of [0.15, 0.2, 0.25, 0.3, 1.01]) {
          const weak = (entry: RetrievalVerdict) =>
            !hasLexicalEvidence(entry, { minCoverage: c1, minCoverageWhenUnknown: c2, maxUnknownShare: u }, large);
          rows.push({
            c1, c2, u,
            answerable: answerable.filter(weak).length / answerable.length,
            "off-topic": offTopic.filter(weak).length / Math.max(1, offTopic.length),
          });
        }
      }
    }
    // The best trade-offs first: fewest answerable questions flagged among those that flag 90% of off-topic ones.
    rows.sort((left, right) => Number(right["off-topic"] >= 0.9) - Number(left["off-topic"] >= 0.9) || left.answerable - right.answerable);
    console.table(rows.slice(0, 15).map((row) => ({ ...row, answerable: fixed(row.answerable), "off-topic": fixed(row["off-topic"]) })));
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const output: Record<string, unknown> = { at: new Date().toISOString() };
  for (const name of ["corpus", "quire-docs"] as const) {
    const file = loadEvalSet(name);
    console.log(`\n=== ${file.set.name ?? name} (test/eval/${name}.json) ===`);
    if (file.unavailable !== null) {
      console.log(`skipped: ${file.unavailable}`);
      output[name] = { skipped: file.unavailable };
      continue;
    }
    const { store, chunks, durationMs } = await indexDocs(file.docsDir);
    try {
      console.log(`Indexed ${chunks} chunks (fake embeddings) in ${durationMs} ms`);
      if (argv.includes("--calibrate")) {
        await calibrate(file, store);
        continue;
      }
      const reports = await evaluateSet(file, store);
      printReports(reports);
      const followUps = await evaluateFollowUps(file, store, "dev");
      if (followUps !== null) {
        console.log(`\n  Follow-ups (dev, ${followUps.count}, hybrid hit@5): alone ${fixed(followUps.alone)}, with the previous turn ${fixed(followUps.withPreviousTurn)}`);
      }
      if (argv.includes("--misses")) {
        for (const row of reports.filter((entry) => entry.split === "dev" && entry.config === "Quire full text")) {
          console.log("\n  dev misses (full text):");
          for (const result of row.report.results.filter((entry) => entry.rank === null || entry.rank > 5)) console.log(`    ${result.id} [${result.kind}] rank ${result.rank ?? "-"}: ${result.question}`);
          console.log("  dev answerable flagged weak (full text):");
          for (const result of row.report.results.filter((entry) => entry.weak)) console.log(`    ${result.id} [${result.kind}]: ${result.question}`);
          console.log(`  dev off-topic not flagged: ${row.report.offTopicAnswered.join(" | ")}`);
        }
      }
      output[name] = {
        chunks,
        reports: reports.map((row) => ({ config: row.config, split: row.split, metrics: row.report.metrics })),
        followUps,
      };
    } finally {
      await store.close();
    }
  }
  if (argv.includes("--calibrate")) return;
  mkdirSync(path.join(repoRoot, "bench/results"), { recursive: true });
  const file = path.join(repoRoot, "bench/results/eval.json");
  writeFileSync(file, `${JSON.stringify(output, null, 2)}\n`);
  console.log(`\nWrote ${path.relative(repoRoot, file)}`);
}

await main();
