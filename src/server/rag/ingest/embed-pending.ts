import "server-only";
import type { KnowledgeStore } from "@/src/server/rag/store";
import type { EmbedFunction } from "@/src/server/rag/ingest/embedder";
import type { ProgressListener } from "@/src/server/rag/ingest/progress";
import { DEFAULT_RETRY, withRetry, type RetryOptions } from "@/src/server/rag/ingest/retry";
import { embeddingInput, type EmbeddedChunk, type PendingChunk } from "@/src/server/rag/types";

export interface EmbedPendingOptions {
  store: KnowledgeStore;
  embed: EmbedFunction;
  batchSize: number;
  retry?: RetryOptions;
  onProgress?: ProgressListener;
}

export interface EmbedPendingResult {
  embedded: number;
  calls: number;
}

/** Above this many missing vectors (and half the index), the HNSW index is built once after loading. */
const BULK_LOAD_THRESHOLD = 1000;

async function embedBatch(options: EmbedPendingOptions, batch: PendingChunk[], counter: { calls: number }) {
  const result = await withRetry(
    () => {
      counter.calls++;
      return options.embed(batch.map(embeddingInput));
    },
    {
      ...(options.retry ?? DEFAULT_RETRY),
      onRetry: (attempt, delayMs, error) =>
        options.onProgress?.({ stage: "embed-retry", attempt, delayMs, message: (error as Error).message }),
    },
  );
  if (result.embeddings.length !== batch.length) {
    throw new Error(`The embedding provider returned ${result.embeddings.length} vectors for ${batch.length} texts.`);
  }
  const rows: EmbeddedChunk[] = batch.map((chunk, index) => ({ chunkId: chunk.id, embedding: result.embeddings[index]! }));
  return { rows, space: { model: result.model, dimensions: result.dimensions } };
}

/**
 * Adds vectors to every chunk that lacks one, in batches. The first answer
 * fixes the index's embedding space; a different model than the index was
 * built with drops the old vectors, so all chunks are embedded again.
 * An unchanged, fully embedded index makes no call at all.
 */
export async function embedPendingChunks(options: EmbedPendingOptions): Promise<EmbedPendingResult> {
  const { store, batchSize } = options;
  const counter = { calls: 0 };
  const space = await store.embeddingSpace();
  if (space !== null && options.embed.model !== undefined && space.model.toLowerCase() !== options.embed.model.toLowerCase()) {
    // The index holds another model's vectors: learn the new space from one short call, which drops them.
    const probe = await embedBatch(options, [{ id: "0", title: "", heading: "", text: "dimension probe" }], counter);
    await store.useEmbeddingSpace(probe.space);
    options.onProgress?.({ stage: "notice", message: `Re-embedding: the index used ${space.model}, the key gives ${probe.space.model}.` });
  }
  let pending = await store.countPendingEmbeddings();
  if (pending === 0) return { embedded: 0, calls: counter.calls };
  const first = await store.pendingEmbeddings(batchSize);
  const firstBatch = await embedBatch(options, first, counter);
  // The cursor: chunks are read in id order, each once (chunks written meanwhile get higher ids).
  let after = first.at(-1)?.id ?? "0";
  if (await store.useEmbeddingSpace(firstBatch.space)) {
    options.onProgress?.({ stage: "notice", message: `Vectors now use ${firstBatch.space.model} (${firstBatch.space.dimensions} dimensions).` });
    pending = await store.countPendingEmbeddings();
    // The new space dropped every vector, those of chunks below the first batch too: start over.
    after = "0";
  }
  await store.saveEmbeddings(firstBatch.rows);
  const batches = Math.ceil(pending / batchSize);
  options.onProgress?.({ stage: "embed-start", pending, batches });
  let embedded = firstBatch.rows.length;
  options.onProgress?.({ stage: "embed", batch: 1, batches, embedded });
  const loadRest = async (): Promise<void> => {
    for (let batchNumber = 2; ; batchNumber++) {
      const batch = await store.pendingEmbeddings(batchSize, after);
      if (batch.length === 0) return;
      after = batch.at(-1)!.id;
      const { rows, space } = await embedBatch(options, batch, counter);
      if (space.model.toLowerCase() !== firstBatch.space.model.toLowerCase() || space.dimensions !== firstBatch.space.dimensions) {
        throw new Error(`The embedding model changed during ingestion (${firstBatch.space.model} → ${space.model}).`);
      }
      await store.saveEmbeddings(rows);
      embedded += rows.length;
      options.onProgress?.({ stage: "embed", batch: batchNumber, batches, embedded });
    }
  };
  const status = await store.status();
  if (pending >= BULK_LOAD_THRESHOLD && pending * 2 >= status.chunks) await store.bulkLoadVectors(loadRest);
  else await loadRest();
  return { embedded, calls: counter.calls };
}
