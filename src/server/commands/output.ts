import "server-only";

/**
 * Where a command writes: results to stdout (`log`), progress and errors to stderr.
 * The CLI writes to its terminal; the server's admin endpoint streams the same
 * calls back to the CLI that asked (src/server/admin), which replays them.
 */
export interface CommandOutput {
  log(line: string): void;
  error(line: string): void;
  /** Raw progress text (carriage returns on a TTY). */
  write(text: string): void;
  isTTY: boolean;
}

export function formatDuration(milliseconds: number): string {
  return milliseconds < 1000 ? `${Math.round(milliseconds)} ms` : `${(milliseconds / 1000).toFixed(1)} s`;
}

/** Two aligned columns. */
export function formatRows(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join("\n");
}
