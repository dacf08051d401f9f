/** Where the CLI writes: results to stdout, progress and errors to stderr. */
export interface CliOutput {
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
