import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export const repoRoot = path.resolve(import.meta.dirname, "../..");
export const corpusDir = path.resolve(repoRoot, "../shared/corpus/quilibrium-docs");

/** Nearest-rank percentile of a sample (p in 0..100). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((left, right) => left - right);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface Summary {
  runs: number;
  median: number;
  p95: number;
}

export function summarize(samples: readonly number[]): Summary {
  return { runs: samples.length, median: round(percentile(samples, 50)), p95: round(percentile(samples, 95)) };
}

export const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

/** Times an async function, in milliseconds. */
export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; milliseconds: number }> {
  const started = performance.now();
  const result = await work();
  return { result, milliseconds: performance.now() - started };
}

/** Writes bench/results/<name>.json (gitignored) and says where. */
export function writeResults(name: string, data: unknown): void {
  const directory = path.join(repoRoot, "bench/results");
  mkdirSync(directory, { recursive: true });
  const file = path.join(directory, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), node: process.version, ...(data as object) }, null, 2)}\n`);
  console.log(`\nWrote ${path.relative(repoRoot, file)}`);
}

/** The value after `--name` on the command line, if the flag is given. */
export function stringFlag(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

/** `--name value` from argv, as a number, or the fallback. */
export function numberFlag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? undefined : Number(process.argv[index + 1]);
  return value !== undefined && Number.isFinite(value) ? value : fallback;
}
