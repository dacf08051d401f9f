import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppServer, type AppServer } from "@/test/e2e/support/app-server";
import { sourcePaths, until } from "@/test/e2e/support/polling";
import { splitIntoTokens } from "@/test/fakes/reply";
import { startFakeProviders, type FakeProviders } from "@/test/fakes/server";
import { readUiStream, streamedText, userMessage } from "@/test/support/app-harness";
import { runQuire, startQuire } from "@/test/support/quire-cli";

/**
 * The server keeps the embedded index fresh (issue 13): one `next start` that owns
 * its PGlite data dir, with QUIRE_SYNC_INTERVAL=2s. A page added to the docs folder
 * becomes answerable without a restart while an answer streams; `quire status`,
 * `search` and `ingest` run through the server's admin endpoint; a wrong token is
 * refused; once the server is stopped the CLI works directly again.
 */
const UNIQUE_TERM = "zorbulation";
const TOKENS_PER_SECOND = 20;
const SENTENCE = "Quire streams this answer word by word. ";
const HANDED_OFF = /owns the data dir; running `quire \w+` through it/;

function slowReply(seconds: number): string {
  return `${SENTENCE.repeat(Math.ceil((seconds * TOKENS_PER_SECOND) / splitIntoTokens(SENTENCE).length))}[1]`;
}

function chat(app: AppServer, question: string, key: string): Promise<Response> {
  return fetch(`${app.url}/api/chat`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ messages: [userMessage(question)] }),
  });
}


describe("the server keeps the embedded index fresh, and the CLI hands off to it", () => {
  let fakes: FakeProviders;
  let app: AppServer;
  let docsDir: string;
  let dataDir: string;
  let cliEnv: NodeJS.ProcessEnv;
  const quire = (...args: string[]) => runQuire(args, cliEnv);

  beforeAll(async () => {
    fakes = await startFakeProviders();
    docsDir = mkdtempSync(path.join(tmpdir(), "quire-e2e-sync-docs-"));
    dataDir = mkdtempSync(path.join(tmpdir(), "quire-e2e-sync-data-"));
    writeFileSync(path.join(docsDir, "install.md"), "# Installing Quire\n\n## Linux\n\nDownload the tarball, unpack it into /opt/quire and run `quire serve`.\n");
    const env = { ...fakes.env(), QUIRE_DATA_DIR: dataDir, QUIRE_DOCS_DIR: docsDir, CHUTES_API_KEY: fakes.keys.chutesKey("operator"), QUIRE_SYNC_INTERVAL: "2s" };
    const { DATABASE_URL: _database, QUIRE_ADMIN_TOKEN: _token, ...base } = process.env;
    cliEnv = { ...base, LOG_LEVEL: "silent", ...env };
    // No ingest before the start: the first tick of the interval sync indexes the folder.
    app = await startAppServer(env);
  }, 180_000);

  afterAll(async () => {
    await app?.stop();
    await fakes?.close();
    for (const dir of [docsDir, dataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("`quire status` and `quire search` run through the server and print what a local run prints", async () => {
    await until("the first interval sync", async () => (app.logs().includes("interval sync finished") ? true : null), 60_000);
    const status = await quire("status");
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/Documents\s+1\b/);
    expect(status.stderr).toMatch(HANDED_OFF);
    expect(status.stdout).toContain(`Quire index: PGlite at ${path.join(dataDir, "index")}`);
    expect(status.stdout).toMatch(/Retrieval\s+hybrid/);

    const search = await quire("search", "how do I install on linux", "--k", "2", "--json");
    expect(search.code, search.stderr).toBe(0);
    expect((JSON.parse(search.stdout) as { path: string }[])[0]?.path).toBe("install.md");
    // A usage error keeps its exit code through the server.
    expect((await quire("search", "x", "--k", "zero")).code).toBe(2);
  }, 120_000);

  it("answers from a page added while the server runs, without a restart, while an answer in flight completes", async () => {
    const slowKey = fakes.keys.chutesKey("bob");
    const probeKey = fakes.keys.chutesKey("carol");
    fakes.setBehavior(slowKey, { reply: slowReply(12), tokensPerSecond: TOKENS_PER_SECOND });
    const slow = await chat(app, "How do I install Quire on Linux?", slowKey);
    expect(slow.status).toBe(200);
    let streamEndedAt = 0;
    const streamed = readUiStream(slow).finally(() => (streamEndedAt = Date.now()));

    writeFileSync(path.join(docsDir, "orbit.md"), `# Orbits\n\n## ${UNIQUE_TERM}\n\nThe ${UNIQUE_TERM} of a node is its share of the orbit's rewards, paid each epoch.\n`);
    const answer = await until("the new page to be retrieved", async () => {
      const chunks = await readUiStream(await chat(app, `What is ${UNIQUE_TERM}?`, probeKey));
      return sourcePaths(chunks)[0] === "orbit.md" ? chunks : null;
    });
    expect(answer.at(-1)?.type).toBe("finish");
    expect(streamEndedAt, "the slow answer was still streaming when the new page became answerable").toBe(0);

    const chunks = await streamed;
    expect(chunks.filter((chunk) => chunk.type === "error")).toEqual([]);
    expect(chunks.at(-1)?.type).toBe("finish");
    expect(streamedText(chunks)).toContain("word by word");
  }, 90_000);

  it("`quire ingest` runs through the server with its progress and summary", async () => {
    writeFileSync(path.join(docsDir, "upgrade.md"), "# Upgrading\n\nStop the server, unpack the new tarball and start it again.\n");
    const ingest = await quire("ingest");
    expect(ingest.code, ingest.stderr).toBe(0);
    expect(ingest.stderr).toMatch(HANDED_OFF);
    expect(ingest.stderr).toContain(`Ingesting ${docsDir} into PGlite at ${path.join(dataDir, "index")}`);
    expect(ingest.stderr).toMatch(/Scanning: 3 files/);
    expect(ingest.stderr).toMatch(/Files 3\/3, chunks written \d+/);
    // The interval sync may have indexed upgrade.md a moment before.
    expect(ingest.stdout).toMatch(/^Done in [\d.]+ m?s: [01] added, 0 updated, 0 removed, [23] unchanged \(\d+ chunks written; /m);
    const missing = await quire("ingest", path.join(docsDir, "nowhere"));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/quire ingest: the docs folder .*nowhere does not exist\./);
  });

  it("Ctrl+C detaches the CLI; the server finishes the ingest", async () => {
    // A slow embedding keeps the interval tick that picks up the new page busy, and the handed-over ingest waits for it.
    fakes.setBehavior(fakes.keys.chutesKey("operator"), { embedDelayMs: 15_000 });
    writeFileSync(path.join(docsDir, "detach.md"), "# Detaching\n\nCtrl+C leaves the server to finish the ingest.\n");
    const finishedBefore = app.logs().split('"command":"ingest","code":0').length;
    const running = startQuire(["ingest"], cliEnv);
    await until("the hand-off", async () => (HANDED_OFF.test(running.stderr()) ? true : null));
    await new Promise((resolve) => setTimeout(resolve, 500));
    running.child.kill("SIGINT");
    const detached = await running.done;
    expect({ code: detached.code, signal: detached.signal }, detached.stderr).toEqual({ code: null, signal: "SIGINT" });
    expect(detached.stderr).toMatch(/detached\. The server carries on with the command/);
    await until("the server to finish the ingest", async () => (app.logs().split('"command":"ingest","code":0').length > finishedBefore ? true : null), 60_000);
    expect(app.logs()).toMatch(/the admin client went away; the command carries on/);
    fakes.setBehavior(fakes.keys.chutesKey("operator"), {});
    const search = await quire("search", "Ctrl+C detaching", "--json");
    expect((JSON.parse(search.stdout) as { path: string }[])[0]?.path).toBe("detach.md");
  }, 120_000);

  it("refuses a wrong token, and a request without one", async () => {
    const file = JSON.parse(readFileSync(path.join(dataDir, "admin.json"), "utf8")) as { port: number; token: string };
    const wrong = await runQuire(["status"], { ...cliEnv, QUIRE_ADMIN_TOKEN: "w".repeat(40) });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/quire status: the server refused the command \(401\)/);
    const bare = await fetch(`http://127.0.0.1:${file.port}/v1/commands`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(bare.status).toBe(401);
    expect(app.logs()).not.toContain(file.token);
  });

  it("with the server stopped, the CLI works directly again, also past a stale admin.json", async () => {
    await app.stop();
    expect(existsSync(path.join(dataDir, "admin.json"))).toBe(false);
    const status = await quire("status");
    expect(status.code, status.stderr).toBe(0);
    expect(status.stderr).not.toMatch(HANDED_OFF);
    expect(status.stdout).toMatch(/Documents\s+4\b/);

    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    writeFileSync(path.join(dataDir, "admin.json"), JSON.stringify({ pid: Number(dead), host: "127.0.0.1", port: 9, token: "t".repeat(43), startedAt: "2026-01-01T00:00:00Z" }));
    const stale = await quire("search", "upgrade", "--json");
    expect(stale.code, stale.stderr).toBe(0);
    expect(stale.stderr).toMatch(/admin\.json is stale: its server \(pid \d+\) is not running; running locally/);
    expect((JSON.parse(stale.stdout) as { path: string }[])[0]?.path).toBe("upgrade.md");
  });
});
