import path from "node:path";
import type { CliOutput } from "@/cli/output";
import { runCommandHere } from "@/cli/handoff";

export { formatFailures, formatSummary } from "@/src/server/commands/ingest";

/** `quire ingest [dir]` (src/server/commands/ingest.ts), here or through the running server. */
export function runIngestCommand(args: { dir?: string }, output: CliOutput): Promise<number> {
  // The server may run in another directory: the folder travels as an absolute path.
  return runCommandHere({ command: "ingest", args: { ...(args.dir !== undefined && { dir: path.resolve(args.dir) }) } }, output);
}
