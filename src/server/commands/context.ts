import "server-only";
import type { CommandOutput } from "@/src/server/commands/output";
import type { StoreProvider } from "@/src/server/commands/stores";

/** What a command runs with: where its store comes from and where it writes. */
export interface CommandContext {
  stores: StoreProvider;
  output: CommandOutput;
  /** Stops a long command cleanly (the server passes its shutdown signal). */
  signal?: AbortSignal;
}
