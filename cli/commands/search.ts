import type { CliOutput } from "@/cli/output";
import { runCommandHere } from "@/cli/handoff";

export { explainLine, toSearchHit, type SearchHit } from "@/src/server/commands/search";

/** `quire search "<question>" [--k 5] [--json] [--explain]` (src/server/commands/search.ts), here or through the running server. */
export function runSearchCommand(args: { question: string; k?: string; json: boolean; explain?: boolean }, output: CliOutput): Promise<number> {
  return runCommandHere({ command: "search", args }, output);
}
