import path from "node:path";
import type { CliOutput } from "@/cli/output";
import { runCommandHere } from "@/cli/handoff";
import { ingestArgsSchema, type IngestArgs } from "@/src/server/commands/ingest";

export { formatFailures, formatSummary } from "@/src/server/commands/ingest";

export interface IngestCliArgs {
  dir?: string;
  git?: string;
  ref?: string;
  path?: string;
  tokenEnv?: string;
  sitemap?: string;
  site?: string;
  maxPages?: string;
  name?: string;
  source?: string;
}

/** A git location without a scheme is a local repository: it travels as an absolute path. */
function gitLocation(location: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location) || /^[^/\\]+@[^:]+:/.test(location) ? location : path.resolve(location);
}

/** The flags as the command takes them; null (and a message) when they don't fit together. */
export function ingestArgsFromCli(cli: IngestCliArgs, output: CliOutput): IngestArgs | null {
  const maxPages = cli.maxPages === undefined ? undefined : Number(cli.maxPages);
  const parsed = ingestArgsSchema.safeParse({
    // The server may run in another directory: folders travel as absolute paths.
    ...(cli.dir !== undefined && { dir: path.resolve(cli.dir) }),
    ...(cli.git !== undefined && { git: gitLocation(cli.git) }),
    ...(cli.ref !== undefined && { ref: cli.ref }),
    ...(cli.path !== undefined && { path: cli.path }),
    ...(cli.tokenEnv !== undefined && { tokenEnv: cli.tokenEnv }),
    ...(cli.sitemap !== undefined && { sitemap: cli.sitemap }),
    ...(cli.site !== undefined && { site: cli.site }),
    ...(maxPages !== undefined && { maxPages }),
    ...(cli.name !== undefined && { name: cli.name }),
    ...(cli.source !== undefined && { source: cli.source }),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".");
    output.error(`quire ingest: ${field ? `${field}: ` : ""}${issue?.message ?? "invalid options"}`);
    return null;
  }
  return parsed.data;
}

/** `quire ingest` (src/server/commands/ingest.ts), here or through the running server. */
export function runIngestCommand(cli: IngestCliArgs, output: CliOutput): Promise<number> {
  const args = ingestArgsFromCli(cli, output);
  if (args === null) return Promise.resolve(2);
  return runCommandHere({ command: "ingest", args }, output);
}
