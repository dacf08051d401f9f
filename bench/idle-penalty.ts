import { spawn } from "node:child_process";
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";
import { numberFlag, round, summarize, writeResults, type Summary } from "@/bench/lib/report";

/**
 * `npm run bench:idle [-- --runs 40]`: how much slower this machine does the same small piece of
 * work right after an idle gap than back to back. A chat waits for its provider twice (the
 * embedding, then the first token), and what runs after each wait runs after such a gap; a
 * direct client runs little code there, Quire runs retrieval, the prompt and the UI stream.
 * Read the single-stream first-token ratio of `bench:load` with this table beside it.
 *
 * Each piece of work is timed back to back and after sleeping 50 and 200 ms (the waits of
 * `bench:load`'s first-token scenario), with a plain compute loop as the control:
 * - a loopback HTTP request to a trivial `node:http` server in another process;
 * - a round trip to a worker thread (PGlite's thread in the server);
 * - `SELECT 1` in an in-memory PGlite.
 */
const runs = numberFlag("runs", 40);
const IDLE_MS = [0, 50, 200] as const;
const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

const SERVER = `require("node:http").createServer((request, response) => { request.resume(); response.end('{"ok":true}'); })
  .listen(0, "127.0.0.1", function () { console.log(this.address().port); });`;

async function startHttpServer(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ["-e", SERVER], { stdio: ["ignore", "pipe", "inherit"] });
  const [chunk] = (await once(child.stdout!, "data")) as [Buffer];
  return { url: `http://127.0.0.1:${chunk.toString().trim()}/`, stop: () => child.kill() };
}

function startEchoWorker(): { roundTrip: () => Promise<void>; stop: () => Promise<number> } {
  const worker = new Worker("require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m));", {
    eval: true,
  });
  return {
    roundTrip: () =>
      new Promise<void>((resolve) => {
        worker.once("message", () => resolve());
        worker.postMessage(1);
      }),
    stop: () => worker.terminate(),
  };
}

function compute(): void {
  let total = 0;
  for (let index = 0; index < 200_000; index++) total += Math.sqrt(index);
  if (total < 0) console.log(total);
}

async function measure(work: () => Promise<void> | void, idleMs: number): Promise<Summary> {
  for (let warm = 0; warm < 5; warm++) await work();
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    if (idleMs > 0) await sleep(idleMs);
    const started = performance.now();
    await work();
    samples.push(performance.now() - started);
  }
  return summarize(samples);
}

const http = await startHttpServer();
const echo = startEchoWorker();
const database = await PGlite.create();
const pieces: Record<string, () => Promise<void> | void> = {
  "compute loop (control)": compute,
  "loopback HTTP request": async () => void (await (await fetch(http.url)).arrayBuffer()),
  "worker thread round trip": echo.roundTrip,
  "PGlite SELECT 1": async () => void (await database.query("SELECT 1")),
};
const results: Record<string, Record<string, Summary & { ratio: number }>> = {};
try {
  for (const [name, work] of Object.entries(pieces)) {
    const row: Record<string, Summary & { ratio: number }> = {};
    let base = Number.NaN;
    for (const idleMs of IDLE_MS) {
      const summary = await measure(work, idleMs);
      if (idleMs === 0) base = summary.median;
      row[`idle${idleMs}`] = { ...summary, ratio: round(summary.median / base, 2) };
    }
    results[name] = row;
  }
} finally {
  http.stop();
  await echo.stop();
  await database.close();
}

console.log(`\nThe same work back to back and after an idle gap, ${runs} runs each (ms, p50 / p95; ratio to back to back)`);
console.log("| work | back to back | after 50 ms idle | after 200 ms idle |");
console.log("|---|---|---|---|");
for (const [name, row] of Object.entries(results)) {
  const cell = (key: string) => `${row[key]!.median} / ${row[key]!.p95}${key === "idle0" ? "" : ` (${row[key]!.ratio}×)`}`;
  console.log(`| ${name} | ${cell("idle0")} | ${cell("idle50")} | ${cell("idle200")} |`);
}
writeResults("idle-penalty", { runs, results });
