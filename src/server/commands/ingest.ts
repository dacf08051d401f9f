import "server-only";
import path from "node:path";
import { z } from "zod";
import type { CommandContext } from "@/src/server/commands/context";
import { formatDuration, type CommandOutput } from "@/src/server/commands/output";
import { createProgressReporter } from "@/src/server/commands/progress";
import { parseSourceSpec, readSourcesFile, sourceNameSchema, type SourceSpec } from "@/src/server/rag/sources/config";
import type { KnowledgeStore } from "@/src/server/rag/store";
import type { IngestSummary } from "@/src/server/rag/types";
import { docsDirFromEnv } from "@/src/server/rag/ingest/settings";
import { assertDocsFolder, configuredSources, ingestFolder, runConfiguredSync, sourcesFilePath, syncSource, type SourceSyncResult } from "@/src/server/sync/run-sync";

const text = z.string().min(1).max(4096);

/**
 * `quire ingest [dir] | --git <url> | --sitemap <url> | --site <url> | --source <name>`. On the
 * wire to the server, folders and local repositories are absolute (the CLI resolves them
 * against its own directory).
 */
export const ingestArgsSchema = z
  .object({
    dir: text.optional(),
    git: text.optional(),
    ref: text.optional(),
    path: text.optional(),
    // Over the admin endpoint a client names the variable the server sends to the remote: only
    // QUIRE_GIT_TOKEN*, never SESSION_SECRET or a provider key. A sources file may name any.
    tokenEnv: z
      .string()
      .regex(/^QUIRE_GIT_TOKEN(_[A-Z0-9_]+)?$/, "--token-env must name a QUIRE_GIT_TOKEN… variable (e.g. QUIRE_GIT_TOKEN_ACME)")
      .optional(),
    sitemap: text.optional(),
    site: text.optional(),
    maxPages: z.number().int().min(1).max(100_000).optional(),
    name: sourceNameSchema.optional(),
    source: sourceNameSchema.optional(),
  })
  .strict()
  .refine((args) => [args.dir, args.git, args.sitemap, args.site, args.source].filter((value) => value !== undefined).length <= 1, {
    message: "give one of a folder, --git, --sitemap, --site or --source",
  })
  .refine((args) => args.git !== undefined || (args.ref === undefined && args.path === undefined && args.tokenEnv === undefined), {
    message: "--ref, --path and --token-env go with --git",
  })
  .refine((args) => args.sitemap !== undefined || args.site !== undefined || args.maxPages === undefined, {
    message: "--max-pages goes with --sitemap or --site",
  })
  .refine((args) => args.name === undefined || args.git !== undefined || args.sitemap !== undefined || args.site !== undefined, {
    message: "--name goes with --git, --sitemap or --site",
  });
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
    `${summary.renamed ? `${summary.renamed} renamed, ` : ""}${summary.removed} removed, ${summary.unchanged} unchanged${skipped} (${summary.chunks} chunks written${embedding}).`
  );
}

/** The files that were skipped and why, for stderr; null when there were none. */
export function formatFailures(failed: IngestSummary["failed"]): string | null {
  if (failed.length === 0) return null;
  const lines = failed.map((failure) => `  ${failure.path}: ${failure.reason}`);
  const heading = `Skipped ${failed.length} ${failed.length === 1 ? "file" : "files"}; the rest is indexed, and a skipped file's earlier version, if any, stays:`;
  return [heading, ...lines].join("\n");
}

const NOTICES_SHOWN = 10;

/** Options that can't work: exit code 2, like a parse error. */
class UsageError extends Error {}

/** One source's outcome: its summary on stdout; skipped files, notices and errors on stderr. */
function reportResult(result: SourceSyncResult, output: CommandOutput): void {
  const label = result.name === null ? "" : `${result.name}: `;
  if (result.error !== null || result.summary === null) {
    output.error(`${label}could not sync ${result.location}: ${result.error ?? "unknown error"}. Its documents in the index are unchanged.`);
    return;
  }
  const revision = result.revision ? ` @ ${/^[0-9a-f]{40}$/.test(result.revision) ? result.revision.slice(0, 12) : result.revision}` : "";
  output.log(`${result.name === null ? "" : `${result.name}${revision}: `}${formatSummary(result.summary)}`);
  const failures = formatFailures(result.summary.failed);
  if (failures !== null) output.error(failures);
  for (const notice of result.notices.slice(0, NOTICES_SHOWN)) output.error(`  ${label}${notice.where}: ${notice.message}`);
  if (result.notices.length > NOTICES_SHOWN) output.error(`  ${label}and ${result.notices.length - NOTICES_SHOWN} more notices`);
  if (result.summary.embeddingSkippedReason) output.error(`${label}Vectors: ${result.summary.embeddingSkippedReason}.`);
}

/** A name for a source given on the command line: the repository's (its last path segment) or the website's host. */
export function defaultSourceName(location: string, kind: "git" | "website"): string {
  let base = location;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    try {
      const url = new URL(location);
      base = kind === "website" ? url.hostname : url.pathname;
    } catch {
      // Not a URL after all: used as it is.
    }
  }
  const last = kind === "website" ? base : (base.replace(/\/+$/, "").split("/").at(-1) ?? "");
  const plain = last
    .replace(/\.git$/i, "")
    .replace(/^www\./, "")
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^[-_]+|[-_]+$/g, "")
    .slice(0, 63);
  return plain === "" ? "source" : plain;
}

/** The source a `--git/--sitemap/--site` run declares, checked like a sources file entry. */
function adHocSpec(args: IngestArgs): SourceSpec | null {
  const raw: Record<string, unknown> | null =
    args.git !== undefined
      ? {
          name: args.name ?? defaultSourceName(args.git, "git"),
          git: args.git,
          ...(args.ref && { ref: args.ref }),
          ...(args.path && { path: args.path }),
          ...(args.tokenEnv && { token_env: args.tokenEnv }),
        }
      : args.sitemap !== undefined
        ? { name: args.name ?? defaultSourceName(args.sitemap, "website"), sitemap: args.sitemap, ...(args.maxPages && { max_pages: args.maxPages }) }
        : args.site !== undefined
          ? { name: args.name ?? defaultSourceName(args.site, "website"), site: args.site, ...(args.maxPages && { max_pages: args.maxPages }) }
          : null;
  if (raw === null) return null;
  const parsed = parseSourceSpec(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`that source is not valid: ${issue?.path.join(".") || "source"}: ${issue?.message ?? "check the URL"}`);
  }
  return parsed.data;
}

async function namedSource(store: KnowledgeStore, name: string): Promise<SourceSpec> {
  const { declared, recorded } = await configuredSources(store);
  const known = declared ?? recorded;
  const spec = known.find((candidate) => candidate.name === name);
  if (spec === undefined) {
    const names = known.map((candidate) => candidate.name).join(", ") || "none";
    throw new Error(`there is no source named ${name} (known: ${names}).`);
  }
  return spec;
}

/** What one run syncs: a folder, one source, or everything configured. */
async function runIngest(
  store: KnowledgeStore,
  args: IngestArgs,
  adHoc: SourceSpec | null,
  options: Parameters<typeof ingestFolder>[2],
): Promise<SourceSyncResult[]> {
  if (args.dir !== undefined) {
    const docsDir = path.resolve(args.dir);
    const summary = await ingestFolder(store, docsDir, options);
    return [{ name: null, kind: "folder", location: docsDir, revision: null, summary, notices: [], error: null }];
  }
  const spec = adHoc ?? (args.source !== undefined ? await namedSource(store, args.source) : null);
  if (spec !== null) return [await syncSource(store, spec, options)];
  return runConfiguredSync(store, options);
}

/** What this run will sync, in words: a folder, one source, the sources file, or the docs folder and the added sources. */
async function describeRun(store: KnowledgeStore, args: IngestArgs, spec: SourceSpec | null): Promise<string> {
  if (args.dir !== undefined) return path.resolve(args.dir);
  if (spec !== null) return `source ${spec.name}`;
  if (args.source !== undefined) return `source ${args.source}`;
  const { declared, recorded } = await configuredSources(store);
  if (declared !== null) return `the ${declared.length} sources of ${sourcesFilePath()}`;
  const added = recorded.length > 0 ? ` and ${recorded.length} added ${recorded.length === 1 ? "source" : "sources"} (${recorded.map((entry) => entry.name).join(", ")})` : "";
  return `${docsDirFromEnv()}${added}`;
}

/** `quire ingest`: index the docs into the store (PGlite in QUIRE_DATA_DIR, or DATABASE_URL). Exit 1 when a source could not be synced. */
export async function ingestCommand(args: IngestArgs, context: CommandContext): Promise<number> {
  const { output } = context;
  if (args.dir !== undefined) assertDocsFolder(path.resolve(args.dir));
  let spec: SourceSpec | null;
  try {
    spec = adHocSpec(args);
    // With a sources file, the file is the list: a source added beside it would be removed by the next sync.
    if ((spec !== null || args.dir !== undefined) && readSourcesFile(sourcesFilePath()) !== null) {
      throw new UsageError(`${sourcesFilePath()} declares the sources: add this one there (or run \`quire ingest --source <name>\`)`);
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    output.error(`quire ingest: ${error.message}`);
    return 2;
  }
  return context.stores.use({ purpose: "ingest" }, async (store) => {
    output.error(`Ingesting ${await describeRun(store, args, spec)} into ${store.kind === "pglite" ? "PGlite at " : "PostgreSQL "}${store.location}`);
    const reporter = createProgressReporter(output);
    const results = await runIngest(store, args, spec, { onProgress: reporter.onProgress, signal: context.signal });
    reporter.finish();
    for (const result of results) reportResult(result, output);
    return results.some((result) => result.error !== null) ? 1 : 0;
  });
}
