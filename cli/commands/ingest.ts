import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { formatDuration, type CliOutput } from "@/cli/output";
import { createProgressReporter } from "@/cli/progress";
import { env } from "@/src/server/env";
import { operatorEmbedder } from "@/src/server/rag/ingest/embedder";
import { ingestDirectory } from "@/src/server/rag/ingest/ingest";
import { chunkingFromEnv, docsDirFromEnv } from "@/src/server/rag/ingest/settings";
import { openStore } from "@/src/server/rag/store";
import type { IngestSummary } from "@/src/server/rag/types";

export function formatSummary(summary: IngestSummary): string {
  const embedding =
    summary.embeddingCalls > 0 || summary.embedded > 0
      ? `; ${summary.embedded} chunks embedded in ${summary.embeddingCalls} calls`
      : "; no embedding calls";
  return (
    `Done in ${formatDuration(summary.durationMs)}: ${summary.added} added, ${summary.updated} updated, ` +
    `${summary.removed} removed, ${summary.unchanged} unchanged (${summary.chunks} chunks written${embedding}).`
  );
}

/** `quire ingest [dir]`: index the docs folder into the store (PGlite in QUIRE_DATA_DIR, or DATABASE_URL). */
export async function runIngestCommand(args: { dir?: string }, output: CliOutput): Promise<number> {
  const docsDir = args.dir ? path.resolve(args.dir) : docsDirFromEnv();
  if (!existsSync(docsDir) || !statSync(docsDir).isDirectory()) {
    output.error(`quire ingest: the docs folder ${docsDir} does not exist.`);
    return 1;
  }
  const store = await openStore({ purpose: "ingest" });
  try {
    output.error(`Ingesting ${docsDir} into ${store.kind === "pglite" ? "PGlite at " : "PostgreSQL "}${store.location}`);
    const reporter = createProgressReporter(output);
    const summary = await ingestDirectory({
      store,
      docsDir,
      chunking: chunkingFromEnv(),
      embed: operatorEmbedder(),
      embedBatchSize: env().QUIRE_EMBED_BATCH_SIZE,
      onProgress: reporter.onProgress,
    });
    reporter.finish();
    output.log(formatSummary(summary));
    if (summary.embeddingSkippedReason) output.error(`Vectors: ${summary.embeddingSkippedReason}.`);
    return 0;
  } finally {
    await store.close();
  }
}
