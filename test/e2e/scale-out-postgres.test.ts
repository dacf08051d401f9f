import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sourceFromPart } from "@/src/shared/sources";
import { startAppServer, type AppServer } from "@/test/e2e/support/app-server";
import { splitIntoTokens } from "@/test/fakes/reply";
import { startFakeProviders, type FakeProviders } from "@/test/fakes/server";
import { readUiStream, streamedText, userMessage, type StreamChunk } from "@/test/support/app-harness";
import { ingestWithCli } from "@/test/support/ingest";
import { createDatabase, pgvectorSkipReason, postgresql, startPostgresServer, type PostgresServer } from "@/test/support/postgres-server";

/**
 * Scale-out as the README promises it: two `next start` processes on two ports share
 * one real PostgreSQL + pgvector (DATABASE_URL) and one SESSION_SECRET. A key saved on
 * one instance works on the other, and `quire ingest` (the real CLI) runs while both
 * serve and an answer streams; what it adds is retrieved at once by both.
 */
const TITLE = "two Quire instances on one PostgreSQL";
const SESSION_SECRET = "scale-out-session-secret-shared-by-both-instances";
/** A word no other document uses, so that its page can only be found once the ingest has written it. */
const UNIQUE_TERM = "zorbulation";
const SLOW_TOKENS_PER_SECOND = 20;
const SLOW_SENTENCE = "Quire streams this answer word by word. ";

/**
 * A reply that streams for about `seconds` at SLOW_TOKENS_PER_SECOND (the fake sends
 * one word per token), so that it outlasts an ingest on a loaded machine too.
 */
function slowReply(seconds: number): string {
  const repeats = Math.ceil((seconds * SLOW_TOKENS_PER_SECOND) / splitIntoTokens(SLOW_SENTENCE).length);
  return `${SLOW_SENTENCE.repeat(repeats)}[1]`;
}

/** A chat request to one instance: with the sealed cookie (and that instance's Origin), or with a Bearer key. */
function chat(app: AppServer, question: string, credential: { cookie: string } | { bearer: string }): Promise<Response> {
  const headers: Record<string, string> =
    "cookie" in credential ? { cookie: credential.cookie, origin: app.url } : { authorization: `Bearer ${credential.bearer}` };
  return fetch(`${app.url}/api/chat`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ messages: [userMessage(question)] }),
  });
}

function sourcePaths(chunks: StreamChunk[]): string[] {
  return chunks.flatMap((chunk) => {
    const source = sourceFromPart(chunk as { type: string; providerMetadata?: unknown });
    return source === null ? [] : [source.path];
  });
}

/** The stream ended as a normal answer does: a finish part, no error part. */
function expectCompleted(chunks: StreamChunk[]): void {
  expect(chunks.filter((chunk) => chunk.type === "error")).toEqual([]);
  expect(chunks.at(-1)?.type).toBe("finish");
}

const reason = pgvectorSkipReason();
// One visible line when the suite cannot run.
if (reason !== null) it.skip(`${TITLE} (skipped: ${reason})`, () => undefined);
else
  describe(`${TITLE} (PostgreSQL ${postgresql.installation?.version} with pgvector)`, () => {
    let fakes: FakeProviders;
    let server: PostgresServer;
    let docsDir: string;
    let ingestEnv: NodeJS.ProcessEnv;
    let a: AppServer;
    let b: AppServer;
    /** How long the first ingest took, which sizes the answer that must outlast the second. */
    let ingestMs = 0;

    beforeAll(async () => {
      fakes = await startFakeProviders();
      server = await startPostgresServer();
      const databaseUrl = await createDatabase(server, "quire_scale_out");
      docsDir = mkdtempSync(path.join(tmpdir(), "quire-e2e-scale-docs-"));
      writeFileSync(
        path.join(docsDir, "install.md"),
        "# Installing Quire\n\n## Linux\n\nDownload the tarball, unpack it into /opt/quire and run `quire serve`.\n",
      );
      const env = {
        ...fakes.env(),
        DATABASE_URL: databaseUrl,
        SESSION_SECRET,
        QUIRE_DOCS_DIR: docsDir,
        CHUTES_API_KEY: fakes.keys.chutesKey("operator"),
      };
      ingestEnv = { ...process.env, ...env };
      const ingestStarted = Date.now();
      await ingestWithCli(ingestEnv);
      ingestMs = Date.now() - ingestStarted;
      // Each instance gets its own APP_URL (its port) and data dir; nothing else differs.
      [a, b] = await Promise.all([startAppServer(env), startAppServer(env)]);
    }, 180_000);

    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await fakes?.close();
      server?.stop();
      if (docsDir) rmSync(docsDir, { recursive: true, force: true });
    });

    it("uses a key saved on instance A for a chat on instance B", async () => {
      const key = fakes.keys.chutesKey("alice");
      const saved = await fetch(`${a.url}/api/auth/chutes/key`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: a.url },
        body: JSON.stringify({ apiKey: key }),
      });
      expect(saved.status).toBe(200);
      const setCookie = saved.headers.getSetCookie();
      expect(setCookie.length).toBeGreaterThan(0);
      // What a browser sends back: name=value of each cookie, attributes dropped.
      const cookie = setCookie.map((line) => line.split(";")[0]).join("; ");
      expect(cookie).not.toContain(key);

      fakes.reset();
      const response = await chat(b, "How do I install Quire on Linux?", { cookie });
      expect(response.status).toBe(200);
      const chunks = await readUiStream(response);
      expectCompleted(chunks);
      expect(chunks.find((chunk) => chunk.type === "start")?.messageMetadata).toMatchObject({ credential: "apiKey", retrieval: "hybrid" });
      expect(sourcePaths(chunks)[0]).toBe("install.md");
      expect(streamedText(chunks).length).toBeGreaterThan(0);
      const completions = fakes.requests.filter((request) => request.path === "/chat/completions");
      expect(completions.map((request) => request.authorization)).toEqual([`Bearer ${key}`]);
      // The question was embedded through the same key, by instance B.
      expect(fakes.requests.some((request) => request.surface === "embed" && request.authorization === `Bearer ${key}`)).toBe(true);
    });

    it("runs `quire ingest` while both serve and an answer streams; the stream completes and both retrieve the new page at once", async () => {
      const key = fakes.keys.chutesKey("bob");
      const before = await chat(b, `What is ${UNIQUE_TERM}?`, { bearer: key });
      expect(sourcePaths(await readUiStream(before))).not.toContain("orbit.md");
      // A slow answer that lasts twice as long as the first ingest did, plus 5 s, so that the next one runs while it streams.
      fakes.setBehavior(key, { reply: slowReply((2 * ingestMs) / 1000 + 5), tokensPerSecond: SLOW_TOKENS_PER_SECOND });

      const slow = await chat(a, "How do I install Quire on Linux?", { bearer: key });
      expect(slow.status).toBe(200);
      let streamEndedAt = 0;
      const streamed = readUiStream(slow).finally(() => (streamEndedAt = Date.now()));

      writeFileSync(
        path.join(docsDir, "orbit.md"),
        `# Orbits\n\n## ${UNIQUE_TERM}\n\nThe ${UNIQUE_TERM} of a node is its share of the orbit's rewards, paid each epoch.\n`,
      );
      // Both instances keep answering while the ingest writes.
      let ingestEndedAt = 0;
      const ingest = ingestWithCli(ingestEnv).then(() => (ingestEndedAt = Date.now()));
      const served: number[] = [];
      while (ingestEndedAt === 0) {
        const statuses = await Promise.all([a, b].map(async (app) => (await fetch(`${app.url}/api/auth/status`)).status));
        served.push(...statuses);
        await Promise.race([ingest, new Promise((resolve) => setTimeout(resolve, 250))]);
      }
      await ingest;
      expect(served.length).toBeGreaterThan(0);
      expect(served.every((status) => status === 200)).toBe(true);
      // Still streaming when the ingest finished: the two overlapped.
      expect(streamEndedAt).toBe(0);

      const chunks = await streamed;
      expectCompleted(chunks);
      expect(streamedText(chunks)).toContain("word by word");

      fakes.setBehavior(key, {});
      for (const app of [a, b]) {
        const response = await chat(app, `What is ${UNIQUE_TERM}?`, { bearer: key });
        expect(response.status).toBe(200);
        const answer = await readUiStream(response);
        expectCompleted(answer);
        expect(sourcePaths(answer)[0], app.url).toBe("orbit.md");
      }
    }, 180_000);
  });
