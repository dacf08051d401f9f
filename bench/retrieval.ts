import { chunkDocument, DEFAULT_CHUNKING } from "@/src/server/rag/chunk/chunker";
import { listDocumentFiles, loadDocument } from "@/src/server/rag/load/load-documents";
import { retrieveForChat } from "@/src/server/rag/retrieve";
import { embeddingInput } from "@/src/server/rag/types";
import { openStore, type KnowledgeStore } from "@/src/server/rag/store";
import { fakeEmbedding } from "@/test/fakes/embedding";
import { fakeEmbedQuery, indexCorpus, loadEvalSet } from "@/test/eval/evaluate";
import { numberFlag, round, summarize, timed, writeResults, type Summary } from "@/bench/lib/report";
import { loadSynthetic, type SeedChunk } from "@/bench/lib/synthetic";

/**
 * `npm run bench:retrieval [-- --synthetic 50000 --repeat 3]`: query latency
 * (p50/p95) of full text, HNSW vector, exact vector (the baseline) and hybrid
 * retrieval at the corpus size and at a synthetic size, plus HNSW recall@10
 * against exact search. PGlite in memory, fake embeddings (test/fakes); vector
 * timings exclude embedding the question, hybrid includes it (as chat does).
 */
const syntheticTotal = numberFlag("synthetic", 50_000);
const repeat = numberFlag("repeat", 3);
const questions = loadEvalSet().questions.map((item) => item.question);

type Method = "fulltext" | "vector-hnsw" | "vector-exact" | "hybrid";

/** Question vectors computed once, so vector timings measure the store alone. */
const questionVectors = new Map(questions.map((question) => [question, fakeEmbedding(question)]));
const vectorOf = (question: string): number[] => questionVectors.get(question)!;

async function measure(
  store: KnowledgeStore,
): Promise<{ latency: Record<Method, Summary>; recallAt10: number; usesHnswIndex: boolean }> {
  const methods: Record<Method, (question: string) => Promise<unknown>> = {
    fulltext: (question) => store.searchText(question, 20),
    "vector-hnsw": (question) => store.searchVector(vectorOf(question), 20),
    "vector-exact": (question) => store.searchVector(vectorOf(question), 20, { exact: true }),
    hybrid: (question) => retrieveForChat({ store, messages: [{ role: "user", text: question }], embedQuery: fakeEmbedQuery }),
  };
  const latency = {} as Record<Method, Summary>;
  for (const [method, run] of Object.entries(methods) as [Method, (question: string) => Promise<unknown>][]) {
    await run(questions[0]!); // warm-up
    const samples: number[] = [];
    for (let round = 0; round < repeat; round++) {
      for (const question of questions) samples.push((await timed(() => run(question))).milliseconds);
    }
    latency[method] = summarize(samples);
  }
  let recall = 0;
  for (const question of questions) {
    const embedding = vectorOf(question);
    const approximate = new Set((await store.searchVector(embedding, 10)).map((chunk) => chunk.id));
    const exact = await store.searchVector(embedding, 10, { exact: true });
    recall += exact.filter((chunk) => approximate.has(chunk.id)).length / Math.max(1, exact.length);
  }
  const plan = await store.explainVectorSearch(vectorOf(questions[0]!), 20);
  return { latency, recallAt10: round(recall / questions.length), usesHnswIndex: plan.includes("chunk_vectors_hnsw") };
}

function printTable(label: string, chunks: number, result: Awaited<ReturnType<typeof measure>>): void {
  const baseline = result.latency["vector-exact"].median;
  console.log(`\n${label}: ${chunks} chunks, ${questions.length} questions × ${repeat}; HNSW recall@10 vs exact = ${result.recallAt10}; planner uses the HNSW index: ${result.usesHnswIndex}`);
  console.table(
    Object.entries(result.latency).map(([method, summary]) => ({
      method,
      "p50 ms": summary.median,
      "p95 ms": summary.p95,
      "p50 vs exact scan": `${round(summary.median / baseline, 2)}x`,
    })),
  );
}

async function main(): Promise<void> {
  const set = loadEvalSet();
  const store = await openStore({ inMemory: true });
  const results: Record<string, unknown> = {};
  try {
    const ingest = await indexCorpus(store, set.corpusDir);
    const corpus = await measure(store);
    printTable("Corpus", ingest.chunks, corpus);
    results.corpus = { chunks: ingest.chunks, ...corpus };

    if (syntheticTotal > ingest.chunks) {
      const seeds = await seedChunks(set.corpusDir);
      const load = await timed(() =>
        loadSynthetic(store, seeds, syntheticTotal - ingest.chunks, (done) => {
          if (done % 10_000 < 500) process.stderr.write(`  synthetic: ${done} chunks\n`);
        }),
      );
      const chunks = (await store.status()).chunks;
      console.log(`\nLoaded ${chunks - ingest.chunks} synthetic chunks in ${round(load.milliseconds / 1000, 1)} s (HNSW index built once at the end)`);
      const large = await measure(store);
      printTable("Synthetic", chunks, large);
      results.synthetic = { chunks, loadSeconds: round(load.milliseconds / 1000, 1), ...large };
    }
    writeResults("retrieval", { repeat, questions: questions.length, ...results });
  } finally {
    await store.close();
  }
}

/** The corpus's own chunks with their (fake) vectors, to derive synthetic ones from. */
async function seedChunks(corpusDir: string): Promise<SeedChunk[]> {
  const seeds: SeedChunk[] = [];
  for (const file of await listDocumentFiles(corpusDir)) {
    for (const chunk of chunkDocument(await loadDocument(corpusDir, file), DEFAULT_CHUNKING)) {
      seeds.push({ text: chunk.text, embedding: fakeEmbedding(embeddingInput(chunk)) });
    }
  }
  return seeds;
}

await main();
