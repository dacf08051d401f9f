import { rmSync } from "node:fs";
import path from "node:path";
import { corpusDir, numberFlag, repoRoot, round, summarize, writeResults } from "@/bench/lib/report";
import { APP_ORIGIN, startAppEnvironment } from "@/test/support/app-harness";
import { ingestWithCli } from "@/test/support/ingest";
import { readStream } from "@/bench/lib/stream-timing";

/**
 * `npm run bench:chat [-- --runs 30 --first-token-ms 150]`: what Quire adds to a
 * chat turn. Baseline: what any retrieval-augmented client must do at least,
 * straight against the fake provider: embed the question, then stream the
 * completion (the fake delays both by --first-token-ms, like a real provider). Quire: POST /api/chat (in-process route handler) with the real
 * corpus ingested, i.e. credential resolution, query embedding, hybrid retrieval
 * over PGlite, prompt building, the pre-flight balance check and the UI stream.
 * Reported: time to the first answer token and to the end, median and p95, and
 * the Quire/direct ratio.
 */
const runs = numberFlag("runs", 30);
const firstTokenMs = numberFlag("first-token-ms", 150);

const { fakes, dataDir } = await startAppEnvironment({ QUIRE_DOCS_DIR: corpusDir });
console.log(`Ingesting ${path.relative(repoRoot, corpusDir)} with fake embeddings…`);
await ingestWithCli({ ...process.env, CHUTES_API_KEY: fakes.keys.chutesKey("operator") });

const { POST } = await import("@/app/api/chat/route");
const key = fakes.keys.chutesKey("bench");
fakes.setBehavior(key, { firstTokenDelayMs: firstTokenMs });
const questions = ["How do I set up a Quilibrium node?", "What is the QUIL token used for?", "How are rewards calculated?", "How do I back up my keys?"];

async function direct(question: string) {
  const started = performance.now();
  const embedding = await fetch(`${fakes.chutesEmbedUrl}/embeddings`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "BAAI/bge-m3", input: [question] }),
  });
  await embedding.json();
  const response = await fetch(`${fakes.chutesLlmUrl}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "deepseek-ai/DeepSeek-V3.2-TEE", stream: true, messages: [{ role: "user", content: question }] }),
  });
  return readStream(response, started, /"content":"B/, "[DONE]");
}

async function viaQuire(question: string) {
  const started = performance.now();
  const response = await POST(
    new Request(`${APP_ORIGIN}/api/chat`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", origin: APP_ORIGIN },
      body: JSON.stringify({ messages: [{ id: "q", role: "user", parts: [{ type: "text", text: question }] }] }),
    }),
    { params: Promise.resolve({}) },
  );
  if (response.status !== 200) throw new Error(`Quire answered ${response.status}: ${await response.text()}`);
  return readStream(response, started, /"type":"text-delta"/, '"type":"finish"', '"type":"source-url"');
}

const samples = { direct: { firstToken: [] as number[], total: [] as number[] }, quire: { firstToken: [] as number[], total: [] as number[] } };
await viaQuire(questions[0]!); // warm-up: opens the store, compiles the SQL paths
for (let run = 0; run < runs; run++) {
  const question = questions[run % questions.length]!;
  for (const [name, measure] of [["direct", direct], ["quire", viaQuire]] as const) {
    const { firstToken, total } = await measure(question);
    samples[name].firstToken.push(firstToken);
    samples[name].total.push(total);
  }
}

const result = {
  runs,
  firstTokenDelayMs: firstTokenMs,
  direct: { firstToken: summarize(samples.direct.firstToken), total: summarize(samples.direct.total) },
  quire: { firstToken: summarize(samples.quire.firstToken), total: summarize(samples.quire.total) },
};
const ratio = (metric: "firstToken" | "total", stat: "median" | "p95") => round(result.quire[metric][stat] / result.direct[metric][stat], 2);
console.log(`\nChat turn, ${runs} runs each, fake first-token delay ${firstTokenMs} ms (ms)`);
console.log("| path | first token p50 | first token p95 | total p50 | total p95 |");
console.log("|---|---|---|---|---|");
for (const name of ["direct", "quire"] as const) {
  const row = result[name];
  console.log(`| ${name} | ${row.firstToken.median} | ${row.firstToken.p95} | ${row.total.median} | ${row.total.p95} |`);
}
console.log(`| ratio quire/direct | ${ratio("firstToken", "median")} | ${ratio("firstToken", "p95")} | ${ratio("total", "median")} | ${ratio("total", "p95")} |`);
writeResults("chat-overhead", { ...result, ratios: { firstTokenMedian: ratio("firstToken", "median"), firstTokenP95: ratio("firstToken", "p95"), totalMedian: ratio("total", "median") } });

const { getStore } = await import("@/src/server/rag/store");
await (await getStore()).close();
await fakes.close();
rmSync(dataDir, { recursive: true, force: true });
