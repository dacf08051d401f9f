import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chunkDocument, DEFAULT_CHUNKING } from "@/src/server/rag/chunk/chunker";
import type { EmbedFunction } from "@/src/server/rag/ingest/embedder";
import { ingestDirectory } from "@/src/server/rag/ingest/ingest";
import { listDocumentFiles, loadDocument } from "@/src/server/rag/load/load-documents";
import { openStore } from "@/src/server/rag/store";
import { fakeEmbed } from "@/test/eval/evaluate";
import { corpusDir, numberFlag, round, summarize, timed, writeResults } from "@/bench/lib/report";

/**
 * `npm run bench:ingest [-- --runs 3]`: ingest of the shared corpus into a fresh
 * on-disk PGlite, in chunks per second excluding embedding time (fake
 * embeddings are timed and subtracted), then a no-op re-ingest (time and
 * embedding calls). Baseline in the same run: loading and chunking alone.
 */
const runs = numberFlag("runs", 3);

/** The fake embedder, timed and counted. */
function meteredEmbed(): { embed: EmbedFunction; calls: () => number; milliseconds: () => number } {
  let calls = 0;
  let milliseconds = 0;
  const embed: EmbedFunction = Object.assign(
    async (texts: string[]) => {
      calls++;
      const { result, milliseconds: spent } = await timed(() => fakeEmbed(texts));
      milliseconds += spent;
      return result;
    },
    { model: fakeEmbed.model },
  );
  return { embed, calls: () => calls, milliseconds: () => milliseconds };
}

async function loadAndChunk(): Promise<number> {
  let chunks = 0;
  for (const file of await listDocumentFiles(corpusDir)) chunks += chunkDocument(await loadDocument(corpusDir, file), DEFAULT_CHUNKING).length;
  return chunks;
}

interface RunResult {
  chunks: number;
  baselineMs: number;
  openMs: number;
  ingestMs: number;
  embedMs: number;
  embedCalls: number;
  noopMs: number;
  noopEmbedCalls: number;
}

async function oneRun(): Promise<RunResult> {
  const baseline = await timed(loadAndChunk);
  const directory = mkdtempSync(path.join(tmpdir(), "quire-bench-ingest-"));
  try {
    const opened = await timed(() => openStore({ dataDir: path.join(directory, "index"), purpose: "ingest" }));
    const store = opened.result;
    try {
      const first = meteredEmbed();
      const options = { store, docsDir: corpusDir, chunking: DEFAULT_CHUNKING, embedBatchSize: 32 };
      const ingest = await timed(() => ingestDirectory({ ...options, embed: first.embed }));
      const again = meteredEmbed();
      const noop = await timed(() => ingestDirectory({ ...options, embed: again.embed }));
      return {
        chunks: ingest.result.chunks, baselineMs: baseline.milliseconds, openMs: opened.milliseconds,
        ingestMs: ingest.milliseconds, embedMs: first.milliseconds(), embedCalls: first.calls(),
        noopMs: noop.milliseconds, noopEmbedCalls: again.calls(),
      };
    } finally {
      await store.close();
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const results: RunResult[] = [];
  for (let run = 1; run <= runs; run++) {
    results.push(await oneRun());
    process.stderr.write(`  run ${run}/${runs} done\n`);
  }
  const chunks = results[0]!.chunks;
  const baseline = summarize(results.map((run) => run.baselineMs));
  const ingestExcludingEmbedding = summarize(results.map((run) => run.ingestMs - run.embedMs));
  const noop = summarize(results.map((run) => run.noopMs));
  const rate = (milliseconds: number) => round(chunks / (milliseconds / 1000), 0);
  console.log(`\nCorpus: ${chunks} chunks from ${corpusDir}; ${runs} runs, fresh PGlite data dir each`);
  console.table([
    { stage: "load + chunk only (baseline)", "median ms": round(baseline.median, 0), "p95 ms": round(baseline.p95, 0), "chunks/s": rate(baseline.median), "embedding calls": 0, "vs baseline": "1x" },
    { stage: "ingest into PGlite, excl. embedding", "median ms": round(ingestExcludingEmbedding.median, 0), "p95 ms": round(ingestExcludingEmbedding.p95, 0), "chunks/s": rate(ingestExcludingEmbedding.median), "embedding calls": results[0]!.embedCalls, "vs baseline": `${round(ingestExcludingEmbedding.median / baseline.median, 2)}x` },
    { stage: "no-op re-ingest (unchanged corpus)", "median ms": round(noop.median, 0), "p95 ms": round(noop.p95, 0), "chunks/s": "-", "embedding calls": Math.max(...results.map((run) => run.noopEmbedCalls)), "vs baseline": `${round(noop.median / baseline.median, 2)}x` },
  ]);
  console.log(`Opening a fresh PGlite data dir (initdb) took a median ${round(summarize(results.map((run) => run.openMs)).median, 0)} ms; fake embedding took ${round(summarize(results.map((run) => run.embedMs)).median, 0)} ms (excluded).`);
  writeResults("ingest", {
    runs, chunks,
    loadAndChunkMs: baseline,
    ingestExcludingEmbeddingMs: ingestExcludingEmbedding,
    chunksPerSecond: rate(ingestExcludingEmbedding.median),
    noopReingestMs: noop,
    noopEmbeddingCalls: Math.max(...results.map((run) => run.noopEmbedCalls)),
    ratios: { ingestVsBaseline: round(ingestExcludingEmbedding.median / baseline.median, 2), noopVsBaseline: round(noop.median / baseline.median, 2) },
    raw: results,
  });
}

await main();
