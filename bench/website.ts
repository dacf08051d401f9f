import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startCorpusSite } from "@/bench/lib/corpus-site";
import { materialiseWebsite } from "@/src/server/rag/sources/website";
import { corpusDir, numberFlag, round, summarize, timed, writeResults } from "@/bench/lib/report";

/**
 * `npm run bench:website [-- --runs 3]`: the shared corpus served as an HTML site on
 * 127.0.0.1 (each Markdown file rendered once, with heading ids, a sitemap with and one
 * without lastmod, ETags), then: a first sync, a re-sync where every lastmod is unchanged
 * (no page requests), and a re-sync where every page answers 304 to If-None-Match.
 * No polite delay (delayMs 0), concurrency 4: this measures Quire's own cost.
 */
const runs = numberFlag("runs", 3);

if (!existsSync(corpusDir)) {
  console.log(`bench:website: no shared corpus at ${corpusDir}; nothing to measure.`);
  process.exit(0);
}

const site = await startCorpusSite();
const { origin } = site;

interface RunResult { firstMs: number; lastmodMs: number; etagMs: number; pages: number; firstRequests: number; lastmodRequests: number; etagRequests: number; notModified: number; skipped: number }

async function sync(sitemap: string, outputDir: string): Promise<{ milliseconds: number; requests: number; result: Awaited<ReturnType<typeof materialiseWebsite>> }> {
  const before = site.requests();
  const { result, milliseconds } = await timed(() => materialiseWebsite({ sitemap: `${origin}${sitemap}`, outputDir, delayMs: 0, concurrency: 4 }));
  return { milliseconds, requests: site.requests() - before, result };
}

async function oneRun(): Promise<RunResult> {
  const withLastmod = mkdtempSync(path.join(tmpdir(), "quire-bench-website-"));
  const withoutLastmod = mkdtempSync(path.join(tmpdir(), "quire-bench-website-"));
  try {
    const first = await sync("/sitemap.xml", withLastmod);
    const lastmod = await sync("/sitemap.xml", withLastmod);
    await sync("/sitemap-nolastmod.xml", withoutLastmod);
    const etag = await sync("/sitemap-nolastmod.xml", withoutLastmod);
    return {
      firstMs: first.milliseconds, lastmodMs: lastmod.milliseconds, etagMs: etag.milliseconds, pages: first.result.pages,
      firstRequests: first.requests, lastmodRequests: lastmod.requests, etagRequests: etag.requests,
      notModified: etag.result.notModified, skipped: lastmod.result.skippedUnchanged,
    };
  } finally {
    rmSync(withLastmod, { recursive: true, force: true });
    rmSync(withoutLastmod, { recursive: true, force: true });
  }
}

try {
  const results: RunResult[] = [];
  for (let run = 1; run <= runs; run++) {
    results.push(await oneRun());
    process.stderr.write(`  run ${run}/${runs} done\n`);
  }
  const [sample] = results;
  const first = summarize(results.map((run) => run.firstMs));
  const lastmod = summarize(results.map((run) => run.lastmodMs));
  const etag = summarize(results.map((run) => run.etagMs));
  const perPage = (milliseconds: number) => round(milliseconds / sample!.pages, 2);
  console.log(`\nSite: ${site.pages} pages rendered from ${corpusDir}; ${runs} runs, delayMs 0, concurrency 4`);
  console.table([
    { stage: "first sync", "median ms": round(first.median, 0), "p95 ms": round(first.p95, 0), "ms/page": perPage(first.median), requests: sample!.firstRequests },
    { stage: "re-sync, lastmod unchanged", "median ms": round(lastmod.median, 0), "p95 ms": round(lastmod.p95, 0), "ms/page": perPage(lastmod.median), requests: sample!.lastmodRequests },
    { stage: "re-sync, ETag 304", "median ms": round(etag.median, 0), "p95 ms": round(etag.p95, 0), "ms/page": perPage(etag.median), requests: sample!.etagRequests },
  ]);
  console.log(`Pages written: ${sample!.pages}; skipped by lastmod: ${sample!.skipped}; 304s: ${sample!.notModified}.`);
  writeResults("website", {
    runs, sitePages: site.pages, pagesWritten: sample!.pages,
    firstSyncMs: first, resyncLastmodMs: lastmod, resyncEtagMs: etag,
    requests: { first: sample!.firstRequests, lastmod: sample!.lastmodRequests, etag: sample!.etagRequests },
    raw: results,
  });
} finally {
  await site.close();
}
