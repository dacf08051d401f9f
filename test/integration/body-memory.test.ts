import { spawn, type ChildProcess } from "node:child_process";
import { request as httpRequest } from "node:http";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { errorResponseSchema } from "@/src/shared/errors";

/**
 * A 200 MB chunked upload (no Content-Length) must get its 413 without the server
 * holding the body: its RSS may grow by less than 16 MB. The server is a separate
 * process (test/support/body-memory-server.ts) so that its memory is not this
 * test's, and the body comes through a real socket, with TCP backpressure.
 */

const root = path.resolve(import.meta.dirname, "../..");
const MB = 1024 * 1024;
const UPLOAD_BYTES = 200 * MB;
const CHUNK_BYTES = 64 * 1024;
const MAX_GROWTH_BYTES = 16 * MB;

const readySchema = z.object({ port: z.number().int(), chutesKey: z.string() });
const memorySchema = z.object({ rss: z.number(), peakRss: z.number(), peakSource: z.string(), gc: z.boolean() });
type Memory = z.infer<typeof memorySchema>;

let child: ChildProcess;
let output = "";
let base = "";
let chutesKey = "";

beforeAll(async () => {
  child = spawn(process.execPath, ["--expose-gc", "--import", "./bench/lib/register.mjs", "test/support/body-memory-server.ts"], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: "silent", NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const ready = await new Promise<z.infer<typeof readySchema>>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (line) => {
      try {
        resolve(readySchema.parse(JSON.parse(line)));
      } catch (error) {
        reject(new Error(`body-memory-server printed ${line}: ${String(error)}\n${output}`));
      }
    });
    child.once("exit", (code) => reject(new Error(`body-memory-server exited (${code}) before it was ready:\n${output}`)));
  });
  base = `http://127.0.0.1:${ready.port}`;
  chutesKey = ready.chutesKey;
}, 60_000);

afterAll(async () => {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  setTimeout(() => child.kill("SIGKILL"), 5000).unref();
  await exited;
});

async function memory(): Promise<Memory> {
  return memorySchema.parse(await (await fetch(`${base}/rss`)).json());
}

async function resetPeak(): Promise<Memory> {
  return memorySchema.parse(await (await fetch(`${base}/rss/reset-peak`, { method: "POST" })).json());
}

interface UploadResult {
  /** Null when the connection was reset before the answer could be read (see upload()). */
  status: number | null;
  body: string;
  clientError: string | null;
  /** Bytes the client got into the socket before the server answered (or the upload ended). */
  bytesSent: number;
  milliseconds: number;
}

/**
 * POSTs `totalBytes` of JSON-ish filler in 64 KB chunks, chunked, with no
 * Content-Length, and writes only as fast as the server reads (drain). It stops
 * writing once the whole answer has arrived: a server that stopped reading would
 * otherwise hold the upload on backpressure for ever.
 *
 * A server that answers early and then closes the connection while the client is still
 * sending makes the client's next write fail (EPIPE/ECONNRESET), and the client may lose
 * the answer already on its way: the usual HTTP/1.1 race without a "lingering close".
 * That outcome resolves with status null; the test then asks the server what it sent.
 */
function upload(pathname: string, totalBytes: number, headers: Record<string, string>): Promise<UploadResult> {
  const started = Date.now();
  // Opens a JSON string that never closes: the body is only ever wrong by its size.
  const first = Buffer.from('{"messages":[{"role":"user","parts":[{"type":"text","text":"');
  const filler = Buffer.alloc(CHUNK_BYTES, "a");
  return new Promise((resolve, reject) => {
    let bytesSent = 0;
    let answered: { status: number; body: string } | undefined;
    const outgoing = httpRequest(`${base}${pathname}`, {
      method: "POST",
      headers: { ...headers, "transfer-encoding": "chunked" },
      // A connection of its own: Node's keep-alive agent would otherwise hand this
      // half-sent upload's socket to the next request, which the server would read
      // as more of this body.
      agent: false,
    });
    const finish = (clientError: string | null) => resolve({ ...(answered ?? { status: null, body: "" }), clientError, bytesSent, milliseconds: Date.now() - started });
    outgoing.on("response", (incoming) => {
      let body = "";
      incoming.setEncoding("utf8");
      incoming.on("data", (text: string) => (body += text));
      incoming.on("end", () => {
        answered = { status: incoming.statusCode ?? 0, body };
        outgoing.destroy();
        finish(null);
      });
    });
    outgoing.on("error", (error: NodeJS.ErrnoException) => {
      if (answered) return;
      // The server closed the connection on the upload; anything else is a failure of the test.
      if (error.code === "EPIPE" || error.code === "ECONNRESET") finish(error.code);
      else reject(new Error(`upload to ${pathname} failed after ${bytesSent} bytes: ${error.message}\n${output}`));
    });
    const write = () => {
      while (answered === undefined && !outgoing.destroyed && bytesSent < totalBytes) {
        const chunk = bytesSent === 0 ? first : filler.subarray(0, Math.min(CHUNK_BYTES, totalBytes - bytesSent));
        bytesSent += chunk.length;
        if (!outgoing.write(chunk)) {
          outgoing.once("drain", write);
          return;
        }
      }
      if (answered === undefined && !outgoing.destroyed) outgoing.end();
    };
    write();
  });
}

const lastAnswerSchema = z.object({ status: z.number(), body: z.string() }).nullable();

async function lastAnswer(pathname: string) {
  return lastAnswerSchema.parse(await (await fetch(`${base}/last-answer?path=${encodeURIComponent(pathname)}`)).json());
}

const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

/** Uploads 200 MB and checks the 413 and the server's memory; logs one line of figures. */
async function expectBoundedRejection(label: string, pathname: string, headers: Record<string, string>): Promise<void> {
  // Warm-up: the first over-limit request pays for compiling the path and its buffers.
  await upload(pathname, 4 * MB, headers);
  expect((await lastAnswer(pathname))?.status).toBe(413);
  const before = await resetPeak();
  const result = await upload(pathname, UPLOAD_BYTES, headers);
  const after = await memory();
  const sent = await lastAnswer(pathname);
  const peakGrowth = after.peakRss - before.rss;
  const settledGrowth = after.rss - before.rss;
  const seen = result.status === null ? `connection ${result.clientError} before the answer was read; the server sent ${sent?.status}` : `${result.status}`;
  console.log(
    `[body-memory] ${label}: ${seen} after ${mb(result.bytesSent)} of ${mb(UPLOAD_BYTES)} sent in ${result.milliseconds} ms; ` +
      `server RSS ${mb(before.rss)} → peak ${mb(after.peakRss)} (+${mb(peakGrowth)}, ${after.peakSource}), after GC ${mb(after.rss)} (${settledGrowth >= 0 ? "+" : ""}${mb(settledGrowth)})`,
  );
  if (result.status !== null) expect(result.status, result.body).toBe(413);
  expect(sent?.status, sent?.body).toBe(413);
  // What the client read, or else what the server says it sent: the same JSON either way.
  const error = errorResponseSchema.parse(JSON.parse(result.status === null ? (sent?.body ?? "") : result.body)).error;
  expect(error.code).toBe("bad_request");
  expect(error.message).toMatch(/larger than/);
  expect(peakGrowth, `peak RSS growth ${mb(peakGrowth)}`).toBeLessThan(MAX_GROWTH_BYTES);
  expect(settledGrowth, `RSS growth after GC ${mb(settledGrowth)}`).toBeLessThan(MAX_GROWTH_BYTES);
}

describe("a 200 MB chunked body gets its 413 without the server holding it", () => {
  it("readBodyText behind a real socket (POST /reader)", async () => {
    const small = await fetch(`${base}/reader`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"a":1}' });
    expect(await small.json()).toEqual({ bytes: 7 });
    await expectBoundedRejection("readBodyText", "/reader", { "content-type": "application/json" });
  }, 120_000);

  it("the real POST /api/chat", async () => {
    // The adapter works: a normal chat request through the socket streams an answer.
    const normal = await fetch(`${base}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${chutesKey}` },
      body: JSON.stringify({ messages: [{ role: "user", parts: [{ type: "text", text: "What is Quire?" }] }] }),
    });
    expect(normal.status).toBe(200);
    expect(await normal.text()).toContain('"type":"text-delta"');
    await expectBoundedRejection("POST /api/chat", "/api/chat", { "content-type": "application/json", authorization: `Bearer ${chutesKey}` });
  }, 120_000);
});
