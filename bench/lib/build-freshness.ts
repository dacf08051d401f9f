import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "@/bench/lib/report";

const SOURCES = ["app", "src", "proxy.ts", "instrumentation.ts", "instrumentation-client.ts", "next.config.ts"];

function newestIn(entry: string): number {
  let stats;
  try {
    stats = statSync(entry);
  } catch {
    return 0;
  }
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(entry)) newest = Math.max(newest, newestIn(path.join(entry, name)));
  return newest;
}

/** When the app's sources last changed (ms since the epoch): a build older than this is stale. */
export function newestSourceChange(): number {
  return Math.max(...SOURCES.map((entry) => newestIn(path.join(repoRoot, entry))));
}
