import "server-only";
import path from "node:path";
import { z } from "zod";
import type { CommandContext } from "@/src/server/commands/context";
import { formatDuration } from "@/src/server/commands/output";
import { createProgressReporter } from "@/src/server/commands/progress";
import { docsDirFromEnv } from "@/src/server/rag/ingest/settings";
import type { IngestSummary } from "@/src/server/rag/types";
import { assertDocsFolder, ingestFolder } from "@/src/server/sync/run-sync";

/** `quire ingest [dir]`. On the wire to the server, the folder is absolute (the CLI resolves it against its own directory). */
export const ingestArgsSchema = z.object({ dir: z.string().min(1).max(4096).optional() }).strict();
export type IngestArgs = z.infer<typeof ingestArgsSchema>;

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
export async function ingestCommand(args: IngestArgs, context: CommandContext): Promise<number> {
  const { output } = context;
  const docsDir = args.dir ? path.resolve(args.dir) : docsDirFromEnv();
  assertDocsFolder(docsDir);
  return context.stores.use({ purpose: "ingest" }, async (store) => {
    output.error(`Ingesting ${docsDir} into ${store.kind === "pglite" ? "PGlite at " : "PostgreSQL "}${store.location}`);
    const reporter = createProgressReporter(output);
    const summary = await ingestFolder(store, docsDir, { onProgress: reporter.onProgress, signal: context.signal });
    reporter.finish();
    output.log(formatSummary(summary));
    const failures = formatFailures(summary.failed);
    if (failures !== null) output.error(failures);
    if (summary.embeddingSkippedReason) output.error(`Vectors: ${summary.embeddingSkippedReason}.`);
    return 0;
  });
}
