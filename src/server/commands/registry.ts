import "server-only";
import { z } from "zod";
import type { CommandContext } from "@/src/server/commands/context";
import { ingestArgsSchema, ingestCommand } from "@/src/server/commands/ingest";
import { searchArgsSchema, searchCommand } from "@/src/server/commands/search";
import { statusArgsSchema, statusCommand } from "@/src/server/commands/status";

/**
 * The commands that run either in the CLI's own process or, when the server owns
 * the embedded store, inside the server (src/server/admin). One request shape
 * for both, so that a handed-over command is the very same call.
 */
export const commandRequestSchema = z.discriminatedUnion("command", [
  z.object({ command: z.literal("ingest"), args: ingestArgsSchema }).strict(),
  z.object({ command: z.literal("status"), args: statusArgsSchema }).strict(),
  z.object({ command: z.literal("search"), args: searchArgsSchema }).strict(),
]);
export type CommandRequest = z.infer<typeof commandRequestSchema>;

/** Runs one command and resolves its exit code (0 success, 1 failure, 2 usage). Unexpected failures throw. */
export function runCommand(request: CommandRequest, context: CommandContext): Promise<number> {
  switch (request.command) {
    case "ingest":
      return ingestCommand(request.args, context);
    case "status":
      return statusCommand(request.args, context);
    case "search":
      return searchCommand(request.args, context);
  }
}
