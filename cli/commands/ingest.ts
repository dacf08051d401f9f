import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { formatDuration, type CliOutput } from "@/cli/output";
import { createProgressReporter } from "@/cli/progress";
import { env } from "@/src/server/env";
import { operatorEmbedder } from "@/cli/operator";
import { ingestDirectory } from "@/src/server/rag/ingest/ingest";
import { chunkingFromEnv, docsDirFromEnv } from "@/src/server/rag/ingest/settings";
import { openStore } from "@/src/server/rag/store";
import type { IngestSummary } from "@/src/server/rag/types";

/** A summary recorded before skipped files were reported has no `failed`. */
type SummaryToFormat = Omit<IngestSummary, "failed"> & Partial<Pick<IngestSummary, "failed">>;

export function formatSummary(summary: SummaryToFormat): string {
  const embedding =
    summary.embeddingCalls > 0 || summary.embedded > 0
      ? `; ${summary.embedded} chunks embedded in ${summary.embeddingCalls} calls`
      : "; no embedding calls";
  const failed = summary.failed?.length ?? 0;
  const skipped = failed > 0 ? `, ${failed} skipped` : "";
  return (
    `Done in ${formatDuration(summary.durationMs)}: ${summary.added} added, ${summary.updated} updated, ` +
    `${summary.removed} removed, ${summary.unchanged} unchanged${skipped} (${summary.chunks} chunks written${embedding}).`
  );
}

/** The files that were skipped and why, for stderr; null when there were none. */
export function formatFailures(failed: IngestSummary["failed"]): string | null {
  if (failed.length === 0) return null;
  const lines = failed.map((failure) => `  ${failure.path}: ${failure.reason}`);
  const heading = `Skipped ${failed.length} ${failed.length === 1 ? "file" : "files"}; the rest is indexed, and a skipped file's earlier version, if any, stays:`;
  return [heading, ...lines].join("\n");
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
    const failures = formatFailures(summary.failed);
    if (failures !== null) output.error(failures);
    if (summary.embeddingSkippedReason) output.error(`Vectors: ${summary.embeddingSkippedReason}.`);
    return 0;
  } finally {
    await store.close();
  }
}
