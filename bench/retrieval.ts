import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chunkDocument, DEFAULT_CHUNKING } from "@/src/server/rag/chunk/chunker";
import { listDocumentFiles, loadDocument } from "@/src/server/rag/load/load-documents";
import { retrieveForChat } from "@/src/server/rag/retrieve/retrieve-for-chat";
import { embeddingInput } from "@/src/server/rag/types";
import { openStore, type KnowledgeStore } from "@/src/server/rag/store";
import { enablePgliteThread } from "@/src/server/rag/store/enable-pglite-thread";
import { pgliteOpenOptions } from "@/src/server/rag/store/pglite-client";
import { DEFAULT_EF_SEARCH } from "@/src/server/rag/store/knowledge-store";
import { fakeEmbedding } from "@/test/fakes/embedding";
import { fakeEmbed, fakeEmbedQuery, loadEvalSet } from "@/test/eval/evaluate";
import { ingestDirectory } from "@/src/server/rag/ingest/ingest";
import { numberFlag, round, stringFlag, summarize, timed, writeResults, type Summary } from "@/bench/lib/report";
import { loadSynthetic, type LoadPhases, type SeedChunk } from "@/bench/lib/synthetic";

/**
 * `npm run bench:retrieval [-- --synthetic 50000 --repeat 3]` (default 20000 synthetic): query latency
 * (p50/p95) of full text, HNSW vector, exact vector (the baseline) and hybrid
 * retrieval at the corpus size and at a synthetic size, plus HNSW recall@10
 * against exact search. PGlite in a temporary data dir on its own worker thread, as the server
 * runs it (QUIRE_PGLITE_THREAD), reopened after the synthetic load as a server started after an
 * ingest would be (its buffer pool is sized from the index then), fake embeddings (test/fakes); vector timings exclude embedding the
 * question, hybrid includes it (as chat does).
 *
 * - `--pglite-thread main`: PGlite on this thread instead, as the CLI runs it (every query
 *   then waits for the JavaScript between them: the posting lists' merge, the fusion).
 * - `--database-url postgres://…`: the same against PostgreSQL with pgvector. The database
 *   must be empty (a throwaway one): the benchmark fills it and leaves it filled.
 * - `--quick`: a smoke test for CI (under a minute, no thresholds): 1000 synthetic
 *   chunks derived from a few corpus files, 20 questions, one round, no corpus stage.
 */
const quick = process.argv.includes("--quick");
const databaseUrl = stringFlag("database-url");
const pgliteThread = stringFlag("pglite-thread") ?? "worker";
/** PGlite's data dir: on disk, as the server keeps it (its buffer pool is sized from it at open). */
const pgliteDir = databaseUrl === undefined ? path.join(mkdtempSync(path.join(tmpdir(), "quire-bench-retrieval-")), "index") : undefined;
if (pgliteThread !== "worker" && pgliteThread !== "main") throw new Error("--pglite-thread takes worker or main");
const syntheticTotal = quick ? 1000 : numberFlag("synthetic", 20_000);
const repeat = quick ? 1 : numberFlag("repeat", 3);
const evalSet = loadEvalSet("corpus");
if (evalSet.unavailable !== null) {
  console.log(`bench:retrieval skipped: ${evalSet.unavailable}`);
  process.exit(0);
}
const questions = evalSet.set.questions.map((item) => item.question).slice(0, quick ? 20 : undefined);
/** Quick mode seeds its synthetic chunks from this many corpus files (embedding every corpus chunk takes a while). */
const QUICK_SEED_FILES = 20;

/** `fulltext-full-scan`: full text without pruning (the baseline), synthetic stage only. */
type Method = "fulltext" | "fulltext-full-scan" | "vector-hnsw" | "vector-exact" | "hybrid";

/** Question vectors computed once, so vector timings measure the store alone. */
const questionVectors = new Map(questions.map((question) => [question, fakeEmbedding(question)]));
const vectorOf = (question: string): number[] => questionVectors.get(question)!;

/**
 * HNSW parameters are chosen on the `dev` half of the questions (even positions) and
 * reported on the `test` half (odd positions), which nothing is tuned on.
 */
const RECALL_EF_SEARCH = quick ? [40, DEFAULT_EF_SEARCH] : [...new Set([40, 100, 200, 400, DEFAULT_EF_SEARCH])].sort((a, b) => a - b);
type Recall = { efSearch: number; dev: number; test: number }[];

interface Measurement {
  latency: Partial<Record<Method, Summary>> & Record<Exclude<Method, "fulltext-full-scan">, Summary>;
  /** HNSW recall@10 against exact search per ef_search (pgvector's default is 40, Quire's DEFAULT_EF_SEARCH). */
  recallAt10: Recall;
  usesHnswIndex: boolean;
}

async function timeAll(run: (question: string) => Promise<unknown>, rounds: number): Promise<Summary> {
  await run(questions[0]!); // warm-up
  const samples: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const question of questions) samples.push((await timed(() => run(question))).milliseconds);
  }
  return summarize(samples);
}

async function recallAt10Of(store: KnowledgeStore, exact: Map<string, string[]>, efSearch: number, half: "dev" | "test"): Promise<number> {
  const asked = questions.filter((_, index) => index % 2 === (half === "dev" ? 0 : 1));
  let recall = 0;
  for (const question of asked) {
    const approximate = new Set((await store.searchVector(vectorOf(question), 10, { efSearch })).map((chunk) => chunk.id));
    const truth = exact.get(question)!;
    recall += truth.filter((id) => approximate.has(id)).length / Math.max(1, truth.length);
  }
  return round(recall / Math.max(1, asked.length), 3);
}

async function measure(store: KnowledgeStore): Promise<Measurement> {
  // The exact scan is the slow baseline: timed in one pass, its top 10 kept as ground truth for recall.
  const exact = new Map<string, string[]>();
  const exactSamples: number[] = [];
  for (const question of questions) {
    const { result, milliseconds } = await timed(() => store.searchVector(vectorOf(question), 10, { exact: true }));
    exact.set(question, result.map((chunk) => chunk.id));
    exactSamples.push(milliseconds);
  }
  const latency: Measurement["latency"] = {
    fulltext: await timeAll((question) => store.searchText(question, 20), repeat),
    "vector-hnsw": await timeAll((question) => store.searchVector(vectorOf(question), 20), repeat),
    "vector-exact": summarize(exactSamples),
    hybrid: await timeAll(
      (question) => retrieveForChat({ store, messages: [{ role: "user", text: question }], embedQuery: fakeEmbedQuery }),
      repeat,
    ),
  };
  const plan = await store.explainVectorSearch(vectorOf(questions[0]!), 20);
  const recallAt10: Recall = [];
  for (const efSearch of RECALL_EF_SEARCH) {
    recallAt10.push({ efSearch, dev: await recallAt10Of(store, exact, efSearch, "dev"), test: await recallAt10Of(store, exact, efSearch, "test") });
  }
  return {
    latency,
    recallAt10,
    usesHnswIndex: plan.includes("chunk_vectors_hnsw"),
  };
}

function printTable(label: string, chunks: number, result: Measurement): void {
  const baseline = result.latency["vector-exact"].median;
  console.log(`\n${label}: ${chunks} chunks, ${questions.length} questions × ${repeat}; exact scan timed once per question`);
  console.log(
    `HNSW recall@10 vs exact (dev / held-out test questions): ${result.recallAt10
      .map((entry) => `${entry.dev} / ${entry.test} at ef_search ${entry.efSearch}${entry.efSearch === DEFAULT_EF_SEARCH ? " (Quire's)" : ""}`)
      .join(", ")}; planner uses the HNSW index: ${result.usesHnswIndex}`,
  );
  console.table(
    Object.entries(result.latency).map(([method, summary]) => ({
      method,
      "p50 ms": summary.median,
      "p95 ms": summary.p95,
      "p50 vs exact scan": `${round(summary.median / baseline, 2)}x`,
    })),
  );
}

async function openBenchStore(): Promise<KnowledgeStore> {
  if (databaseUrl === undefined) {
    if (pgliteThread === "worker") enablePgliteThread();
    return openStore({ dataDir: pgliteDir, workerThread: pgliteThread === "worker" });
  }
  const store = await openStore({ databaseUrl });
  if ((await store.status()).documents > 0) {
    await store.close();
    console.error("bench:retrieval needs an empty database for --database-url (it fills it): create a throwaway one.");
    process.exit(2);
  }
  return store;
}

/** Loads synthetic chunks up to `total`, timed (the HNSW index is built once at the end, inside the timing). */
async function loadSyntheticChunks(store: KnowledgeStore, seeds: readonly SeedChunk[], count: number): Promise<{ seconds: number; phases: LoadPhases }> {
  const load = await timed(() =>
    loadSynthetic(store, seeds, count, (done) => {
      if (done % 10_000 < 500) process.stderr.write(`  synthetic: ${done} chunks\n`);
    }),
  );
  const refresh = await timed(() => store.refreshLexicon());
  const seconds = round(load.milliseconds / 1000, 1);
  const phases = load.result;
  const inSeconds = (milliseconds: number): number => round(milliseconds / 1000, 1);
  console.log(
    `\nLoaded ${count} synthetic chunks in ${seconds} s: chunks and postings ${inSeconds(phases.documentsMs)} s, ` +
      `vectors ${inSeconds(phases.vectorsMs)} s (500 per batch, in binary: COPY on PGlite, a vector[] parameter on PostgreSQL), HNSW build ${inSeconds(phases.indexMs)} s (once, at the end)`,
  );
  console.log(`Lexicon refresh (vocabulary, pruning lists and bounds, VACUUM ANALYZE) in ${round(refresh.milliseconds / 1000, 1)} s`);
  return { seconds, phases };
}

/**
 * The baseline of full text in the same run: the full scan, which the search falls back to
 * once the postings changed since the last refresh; one more one-chunk document moves them.
 */
async function timeFullScan(store: KnowledgeStore): Promise<Summary> {
  await store.replaceDocument({ path: "bench/baseline.md", title: "Baseline", url: null, date: null, checksum: "baseline" }, [
    { path: "bench/baseline.md", ordinal: 0, title: "Baseline", heading: "Baseline", url: null, text: "baseline", tokenCount: 1 },
  ]);
  return timeAll((question) => store.searchText(question, 20), repeat);
}

async function main(): Promise<void> {
  let store = await openBenchStore();
  const results: Record<string, unknown> = { store: store.kind, ...(databaseUrl === undefined && { pgliteThread }), quick };
  const label = databaseUrl === undefined ? `${store.kind}, ${pgliteThread} thread` : store.kind;
  try {
    let corpusChunks = 0;
    if (!quick) {
      const ingest = await ingestDirectory({ store, docsDir: evalSet.docsDir, chunking: DEFAULT_CHUNKING, embed: fakeEmbed, embedBatchSize: 64 });
      const corpus = await measure(store);
      printTable(`Corpus (${label})`, ingest.chunks, corpus);
      results.corpus = { chunks: ingest.chunks, ...corpus };
      corpusChunks = ingest.chunks;
    }
    if (syntheticTotal > corpusChunks) {
      const seeds = await seedChunks(evalSet.docsDir, quick ? QUICK_SEED_FILES : Number.POSITIVE_INFINITY);
      const load = await loadSyntheticChunks(store, seeds, syntheticTotal - corpusChunks);
      if (pgliteDir !== undefined) {
        // As a server started after the ingest: PGlite sizes its buffer pool from the index on disk.
        await store.close();
        results.pgliteSharedBuffers = pgliteOpenOptions(pgliteDir).sharedBuffers;
        console.log(`Reopened PGlite: ${results.pgliteSharedBuffers} buffer pool for the index on disk`);
        store = await openBenchStore();
      }
      const chunks = (await store.status()).chunks;
      const large = await measure(store);
      const fullScan = await timeFullScan(store);
      large.latency["fulltext-full-scan"] = fullScan;
      printTable(`Synthetic (${label})`, chunks, large);
      results.synthetic = { chunks, loadSeconds: load.seconds, loadPhases: load.phases, ...large };
    }
    writeResults(quick ? `retrieval-quick-${store.kind}` : `retrieval-${store.kind}`, { repeat, questions: questions.length, ...results });
  } finally {
    await store.close();
    if (pgliteDir !== undefined) rmSync(path.dirname(pgliteDir), { recursive: true, force: true });
  }
}

/** The corpus's own chunks with their (fake) vectors, to derive synthetic ones from. */
async function seedChunks(corpusDir: string, maxFiles: number): Promise<SeedChunk[]> {
  const seeds: SeedChunk[] = [];
  for (const file of (await listDocumentFiles(corpusDir)).slice(0, maxFiles)) {
    for (const chunk of chunkDocument(await loadDocument(corpusDir, file), DEFAULT_CHUNKING)) {
      seeds.push({ text: chunk.text, embedding: fakeEmbedding(embeddingInput(chunk)) });
    }
  }
  return seeds;
}

await main();
