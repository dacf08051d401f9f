import { spawn } from "node:child_process";
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
  const stop = () => child.kill();
  // Also when this process dies of an error: the server must not outlive it.
  process.once("exit", stop);
  const port = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the HTTP server exited (${code}) before it listened`)));
    child.stdout!.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
  });
  return { url: `http://127.0.0.1:${port}/`, stop };
}

function startEchoWorker(): { roundTrip: () => Promise<void>; stop: () => Promise<number> } {
  const worker = new Worker("require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m));", {
    eval: true,
  });
  let failure: Error | undefined;
  const waiting = new Set<(error: Error) => void>();
  const fail = (error: Error) => {
    failure = error;
    for (const reject of waiting) reject(error);
  };
  worker.on("error", fail);
  worker.on("exit", (code) => fail(new Error(`the echo worker exited (${code})`)));
  return {
    roundTrip: () =>
      new Promise<void>((resolve, reject) => {
        if (failure) return reject(failure);
        waiting.add(reject);
        worker.once("message", () => {
          waiting.delete(reject);
          resolve();
        });
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

const results: Record<string, Record<string, Summary & { ratio: number }>> = {};
let http: Awaited<ReturnType<typeof startHttpServer>> | undefined;
let echo: ReturnType<typeof startEchoWorker> | undefined;
let database: PGlite | undefined;
try {
  http = await startHttpServer();
  echo = startEchoWorker();
  database = await PGlite.create();
  const [url, roundTrip, db] = [http.url, echo.roundTrip, database];
  const pieces: Record<string, () => Promise<void> | void> = {
    "compute loop (control)": compute,
    "loopback HTTP request": async () => void (await (await fetch(url)).arrayBuffer()),
    "worker thread round trip": roundTrip,
    "PGlite SELECT 1": async () => void (await db.query("SELECT 1")),
  };
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
  http?.stop();
  await echo?.stop();
  await database?.close();
}

console.log(`\nThe same work back to back and after an idle gap, ${runs} runs each (ms, p50 / p95; ratio to back to back)`);
console.log("| work | back to back | after 50 ms idle | after 200 ms idle |");
console.log("|---|---|---|---|");
for (const [name, row] of Object.entries(results)) {
  const cell = (key: string) => `${row[key]!.median} / ${row[key]!.p95}${key === "idle0" ? "" : ` (${row[key]!.ratio}×)`}`;
  console.log(`| ${name} | ${cell("idle0")} | ${cell("idle50")} | ${cell("idle200")} |`);
}
writeResults("idle-penalty", { runs, results });
