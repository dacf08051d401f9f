import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startCorpusSite } from "@/bench/lib/corpus-site";
import { corpusDir, numberFlag, round, summarize, timed, writeResults } from "@/bench/lib/report";
import type { EmbedFunction } from "@/src/server/rag/ingest/embedder";
import { ingestDirectory } from "@/src/server/rag/ingest/ingest";
import { materialiseGit } from "@/src/server/rag/sources/git";
import type { MaterialisedSource } from "@/src/server/rag/sources/types";
import { materialiseWebsite } from "@/src/server/rag/sources/website";
import { openStore, type KnowledgeStore } from "@/src/server/rag/store";
import type { IngestSummary } from "@/src/server/rag/types";
import { fakeEmbedding, FAKE_EMBEDDING_DIMENSIONS } from "@/test/fakes/embedding";
import { createGitFixture } from "@/test/support/git-repo";

/**
 * `npm run bench:sources [-- --runs 3]`: the shared corpus (363 files) synced end to end,
 * fetch plus ingest into in-memory PGlite, from a local bare git remote over file:// and
 * from a local HTML site with a sitemap: the first sync, a re-sync with nothing changed,
 * and (git) a re-sync after a commit that changes one file. Embeddings come from an
 * in-process fake with no delay, so this measures Quire's own cost, not a provider's.
 */
const runs = numberFlag("runs", 3);

if (!existsSync(corpusDir)) {
  console.log(`bench:sources: no shared corpus at ${corpusDir}; nothing to measure.`);
  process.exit(0);
}

const embed: EmbedFunction = async (texts) => ({
  embeddings: texts.map((text) => fakeEmbedding(text)),
  model: "fake/embed",
  dimensions: FAKE_EMBEDDING_DIMENSIONS,
});
embed.model = "fake/embed";

async function syncInto(store: KnowledgeStore, name: string, materialise: () => Promise<MaterialisedSource>): Promise<{ ms: number; summary: IngestSummary }> {
  const { result, milliseconds } = await timed(async () => {
    const source = await materialise();
    return ingestDirectory({ store, docsDir: source.dir, chunking: { targetTokens: 400, overlapTokens: 60 }, embed, embedBatchSize: 64, scope: { prefix: `${name}/`, source } });
  });
  return { ms: milliseconds, summary: result };
}

const stages = ["git first sync", "git re-sync, no change", "git re-sync, one file changed", "website first sync", "website re-sync, lastmod unchanged"] as const;
const samples = new Map<string, number[]>(stages.map((stage) => [stage, []]));
const summaries = new Map<string, IngestSummary>();
const site = await startCorpusSite();

try {
  for (let run = 0; run < runs; run++) {
    const root = mkdtempSync(path.join(tmpdir(), "quire-bench-sources-"));
    const store = await openStore({ inMemory: true });
    try {
      const repo = createGitFixture(path.join(root, "git"));
      cpSync(corpusDir, path.join(repo.work, "docs"), { recursive: true });
      repo.commitAll("corpus");
      const git = () => materialiseGit({ url: repo.url, path: "docs", checkoutDir: path.join(root, "checkout") });
      const record = (stage: (typeof stages)[number], outcome: { ms: number; summary: IngestSummary }): void => {
        samples.get(stage)!.push(outcome.ms);
        summaries.set(stage, outcome.summary);
      };
      record("git first sync", await syncInto(store, "git", git));
      record("git re-sync, no change", await syncInto(store, "git", git));
      writeFileSync(path.join(repo.work, "docs", "bench-change.md"), `# Bench change ${run}\n\nA page added by the benchmark.\n`);
      repo.commitAll("one more page");
      record("git re-sync, one file changed", await syncInto(store, "git", git));
      const website = () => materialiseWebsite({ sitemap: `${site.origin}/sitemap.xml`, outputDir: path.join(root, "site"), delayMs: 0, concurrency: 4 });
      record("website first sync", await syncInto(store, "site", website));
      record("website re-sync, lastmod unchanged", await syncInto(store, "site", website));
    } finally {
      await store.close();
      rmSync(root, { recursive: true, force: true });
    }
  }
} finally {
  await site.close();
}

console.log(`\nShared corpus (${site.pages} files) synced end to end into in-memory PGlite; ${runs} runs; fake embedder, no delay`);
console.log("| stage | median ms | p95 ms | added | updated | unchanged | chunks embedded |");
console.log("|---|---|---|---|---|---|---|");
const results: Record<string, unknown> = {};
for (const stage of stages) {
  const summary = summarize(samples.get(stage)!);
  const counts = summaries.get(stage)!;
  console.log(`| ${stage} | ${round(summary.median, 0)} | ${round(summary.p95, 0)} | ${counts.added} | ${counts.updated} | ${counts.unchanged} | ${counts.embedded} |`);
  results[stage] = { ...summary, added: counts.added, updated: counts.updated, unchanged: counts.unchanged, embedded: counts.embedded };
}
writeResults("sources", { runs, files: site.pages, stages: results });
