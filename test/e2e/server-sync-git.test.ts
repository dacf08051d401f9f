import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppServer, type AppServer } from "@/test/e2e/support/app-server";
import { sourcePaths, until } from "@/test/e2e/support/polling";
import { splitIntoTokens } from "@/test/fakes/reply";
import { startFakeProviders, type FakeProviders } from "@/test/fakes/server";
import { readUiStream, streamedText, userMessage } from "@/test/support/app-harness";
import { createGitFixture, type GitFixture } from "@/test/support/git-repo";
import { runQuire } from "@/test/support/quire-cli";

/**
 * A git repository declared in quire.sources.yaml, kept fresh by the running server
 * (QUIRE_SYNC_INTERVAL=2s): a commit pushed to the remote becomes answerable without a
 * restart while an answer streams, and `quire ingest --source` runs through the server.
 */
const UNIQUE_TERM = "quaternion drift";
const SENTENCE = "The relay answer streams word by word. ";


describe("the server keeps a git source fresh", () => {
  let fakes: FakeProviders;
  let app: AppServer;
  let root: string;
  let repo: GitFixture;
  let cliEnv: NodeJS.ProcessEnv;

  const chat = (question: string, key: string): Promise<Response> =>
    fetch(`${app.url}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ messages: [userMessage(question)] }),
    });

  beforeAll(async () => {
    fakes = await startFakeProviders();
    root = mkdtempSync(path.join(tmpdir(), "quire-e2e-git-"));
    repo = createGitFixture(path.join(root, "git"));
    repo.write({ "docs/install.md": "# Installing the relay\n\nDownload the relay tarball and run it under systemd.\n", "README.md": "# Not docs\n" });
    repo.commitAll("docs");
    const sourcesFile = path.join(root, "quire.sources.yaml");
    writeFileSync(sourcesFile, `sources:\n  - name: relay\n    git: ${repo.url}\n    path: docs\n`);
    const env = {
      ...fakes.env(),
      QUIRE_DATA_DIR: path.join(root, "data"),
      QUIRE_SOURCES_FILE: sourcesFile,
      CHUTES_API_KEY: fakes.keys.chutesKey("operator"),
      QUIRE_SYNC_INTERVAL: "2s",
    };
    const { DATABASE_URL: _database, QUIRE_ADMIN_TOKEN: _token, ...base } = process.env;
    cliEnv = { ...base, LOG_LEVEL: "silent", ...env };
    app = await startAppServer(env);
  }, 180_000);

  afterAll(async () => {
    await app?.stop();
    await fakes?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("answers from a commit pushed while the server runs, while an answer in flight completes", async () => {
    await until("the first interval sync", async () => (app.logs().includes("interval sync finished") ? true : null), 60_000);
    const slowKey = fakes.keys.chutesKey("dana");
    fakes.setBehavior(slowKey, { reply: `${SENTENCE.repeat(Math.ceil(240 / splitIntoTokens(SENTENCE).length))}[1]`, tokensPerSecond: 20 });
    const slow = await chat("How do I install the relay?", slowKey);
    expect(slow.status).toBe(200);
    let streamEndedAt = 0;
    const streamed = readUiStream(slow).finally(() => (streamEndedAt = Date.now()));

    repo.write({ "docs/drift.md": `# Drift\n\n## Correcting ${UNIQUE_TERM}\n\nA ${UNIQUE_TERM} is corrected by re-syncing the relay's clock every epoch.\n` });
    const commit = repo.commitAll("a page about drift");
    const answer = await until("the pushed page to be retrieved", async () => {
      const chunks = await readUiStream(await chat(`How is ${UNIQUE_TERM} corrected?`, fakes.keys.chutesKey("erin")));
      return sourcePaths(chunks)[0] === "relay/drift.md" ? chunks : null;
    }, 45_000);
    expect(answer.at(-1)?.type).toBe("finish");
    expect(streamEndedAt, "the slow answer was still streaming when the pushed page became answerable").toBe(0);
    const chunks = await streamed;
    expect(chunks.filter((chunk) => chunk.type === "error")).toEqual([]);
    expect(streamedText(chunks)).toContain("word by word");

    const status = await runQuire(["status", "--json"], cliEnv);
    expect(status.code, status.stderr).toBe(0);
    const sources = (JSON.parse(status.stdout) as { sources: { name: string; revision: string; documents: number; error: string | null }[] }).sources;
    expect(sources).toEqual([expect.objectContaining({ name: "relay", revision: commit, documents: 2, error: null })]);
  }, 120_000);

  it("`quire ingest --source` runs through the server", async () => {
    const ingest = await runQuire(["ingest", "--source", "relay"], cliEnv);
    expect(ingest.code, ingest.stderr).toBe(0);
    expect(ingest.stderr).toMatch(/owns the data dir; running `quire ingest` through it/);
    expect(ingest.stdout).toMatch(/^relay @ [0-9a-f]{12}: Done in .*: 0 added, 0 updated, 0 removed, 2 unchanged \(0 chunks written; no embedding calls\)\.$/m);
  }, 60_000);
});
