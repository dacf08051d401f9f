import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { corpusDir, numberFlag, percentile, repoRoot, round, stringFlag, summarize, writeResults } from "@/bench/lib/report";
import { sampleRss, treeCpuMilliseconds } from "@/bench/lib/server-process";
import { parseServerTiming, readStream, type StreamTiming } from "@/bench/lib/stream-timing";
import { startAppServer, type AppServer } from "@/test/e2e/support/app-server";
import { FakeKeyRegistry } from "@/test/fakes/keys";
import type { Behavior } from "@/test/fakes/types";
import { ingestWithCli } from "@/test/support/ingest";
import { createDatabase, pgvectorSkipReason, startPostgresServer, type PostgresServer } from "@/test/support/postgres-server";

/**
 * `npm run bench:load [-- --quick] [-- --cpu-prof] [-- --levels 1,100] [-- --tokens 100] [-- --warmup 2] [-- --postgres]`: Quire under concurrent chats,
 * each figure against the same work done straight against the fake provider in the
 * same run (what any retrieval-augmented client must do at least: embed the question,
 * then stream the completion).
 *
 * - The production server (`next start`) in its own process, the fake providers in
 *   another (`test/fakes/main.ts`), this process as the clients.
 * - Each virtual user has its own Chutes key and sends it as a Bearer header, as a
 *   script would; a browser's sealed cookie costs one unseal more.
 * - Server CPU is the server's process tree from /proc (user + system), RSS its peak
 *   resident memory sampled every 50 ms.
 * - `--quick` is a smoke test (small bursts, seconds), for CI: no thresholds.
 * - `--cpu-prof` runs the server under `node --cpu-prof` and says where the profile is.
 * - `--server-node-options "<flags>"`: Node options for the server alone (after Quire's own, so they
 *   win), e.g. `"--max-old-space-size=384"` to weigh a heap cap's memory against its CPU.
 * - `--postgres`: the store is a throwaway PostgreSQL + pgvector server on this machine (the scale-out
 *   store, `DATABASE_URL`) instead of the embedded PGlite. Its processes' CPU is reported apart: the
 *   server's figure is Quire's process tree alone.
 * - `--warmup N` (default 2; 0 with `--quick`): N rounds of the largest burst, direct and through
 *   Quire, before the curve, reported apart. A server just started pays for its warm-up in its
 *   first bursts (compiled code, pooled connections, grown heaps; not told apart): in one run, three
 *   identical 200-chat bursts took 30.1, 22.8 and 18.0 ms of server CPU per chat. The curve
 *   measures a server that has served a few bursts, as one under real load has; the first round
 *   is the figure for a server that has just started.
 */
const quick = process.argv.includes("--quick");
const cpuProfile = process.argv.includes("--cpu-prof");
const onPostgres = process.argv.includes("--postgres");
const serverNodeOptions = (stringFlag("server-node-options") ?? "").split(/\s+/).filter((option) => option !== "");
const levelsFlag = process.argv.indexOf("--levels");
/** `--levels 1,100` replaces the curve's concurrency levels (the last one also runs the one-token burst). */
const levels =
  levelsFlag !== -1 ? (process.argv[levelsFlag + 1] ?? "").split(",").map(Number).filter((level) => Number.isInteger(level) && level > 0) : quick ? [1, 10] : [1, 50, 100, 200];
if (levels.length === 0) throw new Error("--levels takes a comma-separated list of positive integers, e.g. --levels 1,100");
const answerTokens = numberFlag("tokens", quick ? 20 : 100);
const warmupRounds = Math.max(0, Math.trunc(numberFlag("warmup", quick ? 0 : 2)));

interface Fakes {
  url: string;
  env: Record<string, string>;
  setBehavior(behavior: Behavior): Promise<void>;
  stop(): void;
}

/** The fake providers in their own process, so their work does not share this process's event loop. */
async function startFakes(): Promise<Fakes> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "test/fakes/main.ts", "--port", "0"], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  const env = await new Promise<Record<string, string>>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the fakes exited (${code}):\n${output}`)));
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes("Press Ctrl+C")) return;
      const pairs = [...output.matchAll(/^export (\w+)=(\S+)/gm)].map((match) => [match[1]!, match[2]!] as const);
      resolve(Object.fromEntries(pairs));
    });
  });
  const url = /listening on (\S+)/.exec(output)![1]!;
  return {
    url,
    env,
    setBehavior: async (behavior) => {
      const response = await fetch(`${url}/__fake/behavior`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ behavior }),
      });
      if (!response.ok) throw new Error(`fake behavior refused: ${await response.text()}`);
    },
    stop: () => child.kill("SIGTERM"),
  };
}

const keys = new FakeKeyRegistry();
const userKey = (user: number) => keys.chutesKey(`bench-user-${user}`);
const QUESTIONS = [
  "How do I set up a Quilibrium node?",
  "What is the QUIL token used for?",
  "How are rewards calculated?",
  "How do I back up my keys?",
  "What are the hardware requirements?",
];
const question = (user: number) => `${QUESTIONS[user % QUESTIONS.length]} (user ${user})`;
/** A reply of exactly `count` whitespace-separated tokens (the fake streams one per word). */
const replyOf = (count: number) => Array.from({ length: count }, (_, index) => (index === 0 ? "Answer" : `word${index}`)).join(" ");

// Browsers send this; the server must not spend CPU compressing an event stream for it.
const ACCEPT_ENCODING = "gzip, deflate, br, zstd";

async function direct(fakes: Fakes, user: number): Promise<StreamTiming> {
  const started = performance.now();
  const authorization = `Bearer ${userKey(user)}`;
  try {
    const embedding = await fetch(`${fakes.env.CHUTES_EMBED_URL}/embeddings`, {
      method: "POST",
      headers: { authorization, "content-type": "application/json", "accept-encoding": ACCEPT_ENCODING },
      body: JSON.stringify({ model: "BAAI/bge-m3", input: [question(user)] }),
    });
    await embedding.arrayBuffer();
    const response = await fetch(`${fakes.env.CHUTES_LLM_URL}/chat/completions`, {
      method: "POST",
      headers: { authorization, "content-type": "application/json", "accept-encoding": ACCEPT_ENCODING },
      body: JSON.stringify({ model: "deepseek-ai/DeepSeek-V3.2-TEE", stream: true, messages: [{ role: "user", content: question(user) }] }),
    });
    return await readStream(response, started, /"content":"[^"]/, "[DONE]");
  } catch (error) {
    return { ok: false, firstToken: Number.NaN, total: performance.now() - started, detail: String(error) };
  }
}

async function viaQuire(app: AppServer, user: number): Promise<StreamTiming> {
  const started = performance.now();
  try {
    const response = await fetch(`${app.url}/api/chat`, {
      method: "POST",
      headers: { authorization: `Bearer ${userKey(user)}`, "content-type": "application/json", "accept-encoding": ACCEPT_ENCODING },
      body: JSON.stringify({ messages: [{ id: `q${user}`, role: "user", parts: [{ type: "text", text: question(user) }] }] }),
    });
    const serverTiming = parseServerTiming(response.headers.get("server-timing"));
    return { ...(await readStream(response, started, /"type":"text-delta"/, '"type":"finish"', '"type":"source-url"')), serverTiming };
  } catch (error) {
    return { ok: false, firstToken: Number.NaN, total: performance.now() - started, detail: String(error) };
  }
}

interface Burst {
  concurrency: number;
  errors: number;
  firstErrors: string[];
  firstTokenP50: number;
  firstTokenP99: number;
  totalP50: number;
  /** From the first request sent to the last stream's end. */
  makespan: number;
}

async function burst(concurrency: number, run: (user: number) => Promise<StreamTiming>, userOffset: number): Promise<Burst> {
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: concurrency }, (_, index) => run(userOffset + index)));
  const makespan = performance.now() - started;
  const good = results.filter((result) => result.ok);
  const firstTokens = good.map((result) => result.firstToken);
  return {
    concurrency,
    errors: results.length - good.length,
    firstErrors: [...new Set(results.filter((result) => !result.ok).map((result) => result.detail ?? "?"))].slice(0, 3),
    firstTokenP50: round(percentile(firstTokens, 50), 1),
    firstTokenP99: round(percentile(firstTokens, 99), 1),
    totalP50: round(percentile(good.map((result) => result.total), 50), 1),
    makespan: round(makespan, 1),
  };
}

interface Measured<T> {
  result: T;
  serverCpuMs: number;
  /** With `--postgres`: the database server's processes. */
  databaseCpuMs?: number;
  peakRssMiB: number;
}

/** The postmaster's pid with `--postgres`, whose process tree is every backend's CPU. */
let postgresPid: number | undefined;

async function measureServer<T>(app: AppServer, work: () => Promise<T>): Promise<Measured<T>> {
  const cpuBefore = treeCpuMilliseconds(app.pid);
  const databaseBefore = postgresPid === undefined ? 0 : treeCpuMilliseconds(postgresPid);
  const rss = sampleRss(app.pid);
  const result = await work();
  return {
    result,
    serverCpuMs: treeCpuMilliseconds(app.pid) - cpuBefore,
    ...(postgresPid !== undefined && { databaseCpuMs: treeCpuMilliseconds(postgresPid) - databaseBefore }),
    peakRssMiB: round(rss.stop(), 1),
  };
}

/** A throwaway PostgreSQL + pgvector server and an empty database on it. */
async function startPostgres(): Promise<{ server: PostgresServer; url: string }> {
  const skip = pgvectorSkipReason();
  if (skip !== null) throw new Error(`--postgres needs PostgreSQL with pgvector on this machine: ${skip}`);
  const server = await startPostgresServer();
  try {
    return { server, url: await createDatabase(server, "quire_bench_load") };
  } catch (error) {
    server.stop();
    throw error;
  }
}

let nextUser = 0;
/** Fresh users for every burst, so no per-key cache is warm unless it would be in real use. */
const users = (count: number) => {
  const offset = nextUser;
  nextUser += count;
  return offset;
};

async function main(): Promise<void> {
  // Everything started is stopped, whatever fails after it.
  const cleanups: (() => void | Promise<void>)[] = [];
  try {
    const postgres = onPostgres ? await startPostgres() : undefined;
    if (postgres !== undefined) cleanups.unshift(() => postgres.server.stop());
    postgresPid = postgres?.server.pid();
    const fakes = await startFakes();
    cleanups.unshift(() => fakes.stop());
    const dataDir = mkdtempSync(path.join(tmpdir(), "quire-bench-load-"));
    cleanups.unshift(() => rmSync(dataDir, { recursive: true, force: true }));
    const docsDir = existsSync(corpusDir) ? corpusDir : path.join(repoRoot, "docs");
    const baseEnv = {
      ...fakes.env,
      QUIRE_DATA_DIR: dataDir,
      QUIRE_DOCS_DIR: docsDir,
      LOG_LEVEL: "warn",
      QUIRE_RATE_LIMIT_CHAT: "off",
      QUIRE_RATE_LIMIT_KEY_CHECKS: "off",
      QUIRE_RATE_LIMIT_KEY_CHECKS_GLOBAL: "off",
      QUIRE_RATE_LIMIT_LOGIN: "off",
      QUIRE_MAX_CONCURRENT_STREAMS: "off",
      ...(postgres !== undefined && { DATABASE_URL: postgres.url }),
    };
    console.log(`Ingesting ${path.relative(path.dirname(repoRoot), docsDir)} with fake embeddings…`);
    await ingestWithCli({ ...process.env, ...baseEnv, CHUTES_API_KEY: keys.chutesKey("operator") });
    const profileDir = path.join(repoRoot, "bench/results/cpu-profiles");
    const profiling = cpuProfile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
    const app = await startAppServer(baseEnv, { nodeArgs: [...serverNodeOptions, ...profiling] });
    cleanups.unshift(async () => {
      await app.stop();
      if (cpuProfile) console.log(`CPU profiles of the server: ${path.relative(repoRoot, profileDir)}/`);
    });
    const results = await runScenarios(fakes, app);
    // A run with options of its own does not replace the baseline's file.
    const name = `load${onPostgres ? "-postgres" : ""}${serverNodeOptions.length > 0 ? "-node-options" : ""}${quick ? "-quick" : ""}`;
    const store = onPostgres ? "postgres" : "pglite";
    writeResults(name, { quick, store, serverNodeOptions, warmupRounds, answerTokens, corpus: path.basename(docsDir), ...results });
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
}

async function runScenarios(fakes: Fakes, app: AppServer) {
  // Warm-up: opens the store, compiles the routes and SQL paths, fills the model list cache.
  await fakes.setBehavior({ embedDelayMs: 0, firstTokenDelayMs: 0, reply: replyOf(3) });
  for (let run = 0; run < 5; run++) await viaQuire(app, users(1));
  await burst(10, (user) => viaQuire(app, user), users(10));

  // 1. The curve: embed 20 ms, first token 100 ms, `answerTokens` tokens at 5 ms.
  await fakes.setBehavior({ embedDelayMs: 20, firstTokenDelayMs: 100, tokensPerSecond: 200, reply: replyOf(answerTokens) });
  const top = levels.at(-1)!;
  const measureLevel = async (concurrency: number) => {
    const directBurst = await burst(concurrency, (user) => direct(fakes, user), users(concurrency));
    const quire = await measureServer(app, () => burst(concurrency, (user) => viaQuire(app, user), users(concurrency)));
    return {
      concurrency,
      direct: directBurst,
      quire: quire.result,
      serverCpuMsPerRequest: round(quire.serverCpuMs / concurrency, 2),
      ...(quire.databaseCpuMs !== undefined && { databaseCpuMsPerRequest: round(quire.databaseCpuMs / concurrency, 2) }),
      peakRssMiB: quire.peakRssMiB,
    };
  };
  const warmup: Awaited<ReturnType<typeof measureLevel>>[] = [];
  for (let pass = 0; pass < warmupRounds; pass++) warmup.push(await measureLevel(top));
  const curve: Awaited<ReturnType<typeof measureLevel>>[] = [];
  for (const concurrency of levels) curve.push(await measureLevel(concurrency));

  // 2. The fixed cost: the largest burst with a one-token answer.
  await fakes.setBehavior({ embedDelayMs: 20, firstTokenDelayMs: 100, reply: replyOf(1) });
  const oneTokenDirect = await burst(top, (user) => direct(fakes, user), users(top));
  const oneToken = await measureServer(app, () => burst(top, (user) => viaQuire(app, user), users(top)));
  const cpuPerRequestOneToken = oneToken.serverCpuMs / top;
  const cpuPerRequestLong = curve.at(-1)!.serverCpuMsPerRequest;
  const cpuPer1000Tokens = ((cpuPerRequestLong - cpuPerRequestOneToken) / Math.max(1, answerTokens - 1)) * 1000;

  // 3. One stream, sequential runs.
  const sequential = async (behavior: Behavior, runs: number) => {
    await fakes.setBehavior(behavior);
    const samples = { direct: [] as StreamTiming[], quire: [] as StreamTiming[] };
    for (let run = 0; run < runs; run++) {
      samples.direct.push(await direct(fakes, users(1)));
      samples.quire.push(await viaQuire(app, users(1)));
    }
    const stat = (list: StreamTiming[], field: "firstToken" | "total") => summarize(list.filter((item) => item.ok).map((item) => item[field]));
    // Where Quire's part of the first token went, as its Server-Timing header says (p50 per phase).
    const phases = [...new Set(samples.quire.flatMap((item) => Object.keys(item.serverTiming ?? {})))];
    const serverTiming = Object.fromEntries(
      phases.map((phase) => [phase, summarize(samples.quire.flatMap((item) => item.serverTiming?.[phase] ?? [])).median]),
    );
    return {
      errors: [...samples.direct, ...samples.quire].filter((item) => !item.ok).length,
      direct: { firstToken: stat(samples.direct, "firstToken"), total: stat(samples.direct, "total") },
      quire: { firstToken: stat(samples.quire, "firstToken"), total: stat(samples.quire, "total") },
      serverTiming,
    };
  };
  const ttft = await sequential({ embedDelayMs: 50, firstTokenDelayMs: 200, reply: replyOf(5) }, quick ? 3 : 10);
  const relayTokens = quick ? 200 : 2000;
  const relay = await sequential({ embedDelayMs: 0, firstTokenDelayMs: 0, tokensPerSecond: 1000, reply: replyOf(relayTokens) }, quick ? 1 : 3);
  const overhead = await sequential({ embedDelayMs: 0, firstTokenDelayMs: 0, reply: replyOf(5) }, quick ? 5 : 30);

  const summary = {
    warmup,
    curve,
    oneToken: {
      concurrency: top,
      direct: oneTokenDirect,
      quire: oneToken.result,
      serverCpuMsPerRequest: round(cpuPerRequestOneToken, 2),
      ...(oneToken.databaseCpuMs !== undefined && { databaseCpuMsPerRequest: round(oneToken.databaseCpuMs / top, 2) }),
      makespanRatio: round(oneToken.result.makespan / oneTokenDirect.makespan, 2),
    },
    serverCpuMsPer1000Tokens: round(cpuPer1000Tokens, 1),
    single: {
      ttft: { ...ttft, ratio: round(ttft.quire.firstToken.median / ttft.direct.firstToken.median, 3) },
      relay: { ...relay, tokens: relayTokens, ratioOfDirect: round(relay.direct.total.median / relay.quire.total.median, 3) },
      ownOverhead: { ...overhead, firstTokenMs: round(overhead.quire.firstToken.median - overhead.direct.firstToken.median, 1) },
    },
  };
  printTables(summary);
  return summary;
}

type Summary = Awaited<ReturnType<typeof runScenarios>>;

function printTables(summary: Summary): void {
  const ratio = (quire: number, direct: number) => `${round(quire / direct, 2)}×`;
  const store = onPostgres ? "PostgreSQL" : "PGlite";
  console.log(`\nConcurrent chats on ${store}: embed 20 ms, first token 100 ms, ${answerTokens} tokens at 5 ms (ms; ratio = Quire / direct)`);
  const databaseColumn = onPostgres ? " PostgreSQL CPU ms/req |" : "";
  console.log(`| streams | errors | first token p50 | first token p99 (direct) | p99 ratio | all finished (direct) | ratio | server CPU ms/req |${databaseColumn} peak RSS MiB |`);
  console.log(`|---|---|---|---|---|---|---|---|${onPostgres ? "---|" : ""}---|`);
  const rows = [
    ...summary.warmup.map((row, index) => ({ ...row, label: `${row.concurrency}, warm-up ${index + 1}${index === 0 ? " (just started)" : ""}` })),
    ...summary.curve.map((row) => ({ ...row, label: String(row.concurrency) })),
  ];
  for (const row of rows) {
    console.log(
      `| ${row.label} | ${row.quire.errors} | ${row.quire.firstTokenP50} | ${row.quire.firstTokenP99} (${row.direct.firstTokenP99}) | ${ratio(row.quire.firstTokenP99, row.direct.firstTokenP99)} | ${row.quire.makespan} (${row.direct.makespan}) | ${ratio(row.quire.makespan, row.direct.makespan)} | ${row.serverCpuMsPerRequest} |${onPostgres ? ` ${row.databaseCpuMsPerRequest ?? "?"} |` : ""} ${row.peakRssMiB} |`,
    );
  }
  const one = summary.oneToken;
  console.log(
    `\n${one.concurrency} chats with a one-token answer: all finished in ${one.quire.makespan} ms (direct ${one.direct.makespan}), ${one.makespanRatio}×, ${one.quire.errors} errors; server CPU ${one.serverCpuMsPerRequest} ms per request${one.databaseCpuMsPerRequest !== undefined ? ` (PostgreSQL ${one.databaseCpuMsPerRequest} ms more)` : ""}, ${summary.serverCpuMsPer1000Tokens} ms per 1,000 relayed tokens`,
  );
  const { ttft, relay, ownOverhead } = summary.single;
  console.log("\nOne stream at a time (p50 ms)");
  console.log("| scenario | direct | Quire | figure |");
  console.log("|---|---|---|---|");
  console.log(`| first token (embed 50 ms, first token 200 ms) | ${ttft.direct.firstToken.median} | ${ttft.quire.firstToken.median} | ${ttft.ratio}× |`);
  console.log(`| ${relay.tokens} tokens at 1 ms, until the last | ${relay.direct.total.median} | ${relay.quire.total.median} | ${relay.ratioOfDirect} of direct speed |`);
  console.log(`| own overhead (embed = first token = 0), first token | ${ownOverhead.direct.firstToken.median} | ${ownOverhead.quire.firstToken.median} | +${ownOverhead.firstTokenMs} ms |`);
  const phases = Object.entries(ownOverhead.serverTiming).map(([phase, median]) => `${phase} ${median} ms`);
  if (phases.length > 0) console.log(`Own overhead by the server's Server-Timing (p50): ${phases.join(", ")}; the rest is Next.js, the stream and the client.`);
  const errors = [...summary.warmup, ...summary.curve].flatMap((row) => row.quire.firstErrors.concat(row.direct.firstErrors)).concat(one.quire.firstErrors);
  if (errors.length > 0) console.log(`\nFirst errors seen: ${errors.join(" | ")}`);
}

await main();
