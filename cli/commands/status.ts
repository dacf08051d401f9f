import type { CliOutput } from "@/cli/output";
import { runCommandHere } from "@/cli/handoff";

export { describeRetrieval } from "@/src/server/commands/status";

/** `quire status` (src/server/commands/status.ts), here or through the running server. */
export function runStatusCommand(args: { json: boolean }, output: CliOutput): Promise<number> {
  return runCommandHere({ command: "status", args }, output);
}
