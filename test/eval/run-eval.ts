import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { openStore } from "@/src/server/rag/store";
import { indexCorpus, loadEvalSet, repoRoot, scoreConfigs, scoreFollowUps, scoreWeakDetection } from "@/test/eval/evaluate";

/** `npm run eval`: retrieval quality on test/eval/questions.json over the shared corpus. Prints a table, writes JSON. */
async function main(): Promise<void> {
  const set = loadEvalSet();
  const store = await openStore({ inMemory: true });
  try {
    const ingest = await indexCorpus(store, set.corpusDir);
    console.log(`Indexed ${ingest.added} files, ${ingest.chunks} chunks (fake embeddings) in ${ingest.durationMs} ms`);
    const scores = await scoreConfigs(store, set);
    const weak = await scoreWeakDetection(store, set);
    const followUps = await scoreFollowUps(store, set);
    const baseline = scores[0]!;
    console.log(`\n${set.questions.length} questions\n`);
    console.table(
      scores.map((score) => ({
        config: score.config,
        "hit@5": score.hitAt5.toFixed(3),
        "MRR@10": score.mrrAt10.toFixed(3),
        "hit@5 vs AND": baseline.hitAt5 === 0 ? "n/a" : `${(score.hitAt5 / baseline.hitAt5).toFixed(2)}x`,
        misses: score.misses.join(" "),
      })),
    );
    console.log("\nWeak-retrieval flag (share of questions flagged weak):");
    console.table(weak.map((row) => ({ mode: row.mode, answerable: row.answerableFlaggedWeak.toFixed(3), "off-topic": row.offTopicFlaggedWeak.toFixed(3) })));
    console.log(`\nFollow-ups (${set.followUps.length}, hybrid hit@5): asked alone ${followUps.alone.toFixed(3)}, with the previous turn ${followUps.withPreviousTurn.toFixed(3)}`);
    mkdirSync(path.join(repoRoot, "bench/results"), { recursive: true });
    const file = path.join(repoRoot, "bench/results/eval.json");
    writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), questions: set.questions.length, chunks: ingest.chunks, scores, weak, followUps }, null, 2));
    console.log(`\nWrote ${path.relative(repoRoot, file)}`);
  } finally {
    await store.close();
  }
}

await main();
