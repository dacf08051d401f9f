import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbedFunction } from "@/src/server/rag/ingest/embedder";
import { ingestDirectory } from "@/src/server/rag/ingest/ingest";
import { materialiseGit } from "@/src/server/rag/sources/git";
import { openStore, type KnowledgeStore } from "@/src/server/rag/store";
import { ingestFolder, runConfiguredSync, type SourceSyncResult } from "@/src/server/sync/run-sync";
import { fakeEmbedding, FAKE_EMBEDDING_DIMENSIONS } from "@/test/fakes/embedding";
import { createGitFixture, type GitFixture } from "@/test/support/git-repo";
import { envForThisFile } from "@/test/support/env";

/**
 * Sources end to end below the CLI: a git repository and a website materialised and
 * ingested under their names, with exact counts and embedding calls across commits,
 * and a sources file synced as the server does it.
 */

const root = mkdtempSync(path.join(os.tmpdir(), "quire-sources-sync-"));
const sourcesFile = path.join(root, "quire.sources.yaml");
envForThisFile({ QUIRE_DATA_DIR: path.join(root, "data"), QUIRE_SOURCES_FILE: sourcesFile, CHUTES_API_KEY: "", OPENROUTER_API_KEY: "", QUIRE_CHUNK_TOKENS: "64", QUIRE_CHUNK_OVERLAP: "0" });

let repo: GitFixture;
let site: Server;
let origin: string;
const pages = new Map<string, string>();

beforeAll(async () => {
  repo = createGitFixture(path.join(root, "git"));
  site = createServer((request, response) => {
    const body = pages.get(request.url ?? "/");
    if (body === undefined) {
      response.writeHead(404).end("not found");
      return;
    }
    response.writeHead(200, { "content-type": request.url?.endsWith(".xml") ? "application/xml" : "text/html; charset=utf-8" }).end(body);
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
});

afterAll(async () => {
  site.closeAllConnections();
  await new Promise<void>((resolve) => site.close(() => resolve()));
  rmSync(root, { recursive: true, force: true });
});

/** An embedder that counts its calls and the texts it was given. */
function countingEmbedder(): { embed: EmbedFunction; calls: number; texts: number } {
  const counter = { calls: 0, texts: 0 } as { embed: EmbedFunction; calls: number; texts: number };
  const embed: EmbedFunction = async (texts) => {
    counter.calls++;
    counter.texts += texts.length;
    return { embeddings: texts.map((text) => fakeEmbedding(text)), model: "fake/embed", dimensions: FAKE_EMBEDDING_DIMENSIONS };
  };
  embed.model = "fake/embed";
  counter.embed = embed;
  return counter;
}

const page = (title: string, body: string): string => `# ${title}\n\n${body}\n`;

describe("a git source in the index", () => {
  let store: KnowledgeStore;
  beforeAll(async () => {
    store = await openStore({ inMemory: true });
  });
  afterAll(() => store.close());

  const sync = async (embedder: ReturnType<typeof countingEmbedder>) => {
    const source = await materialiseGit({ url: repo.url, path: "docs", checkoutDir: path.join(root, "checkout"), docsBaseUrl: "https://docs.example.com" });
    const summary = await ingestDirectory({
      store,
      docsDir: source.dir,
      chunking: { targetTokens: 200, overlapTokens: 20 },
      embed: embedder.embed,
      embedBatchSize: 16,
      scope: { prefix: "sdk/", source },
    });
    return { source, summary };
  };

  it("adds, changes, renames and deletes with exact counts, and embeds only what changed", async () => {
    repo.write({
      "README.md": page("Not docs", "Outside the docs path."),
      "docs/alpha.md": page("Alpha", "Alpha installs the node."),
      "docs/beta.md": page("Beta", "Beta configures storage buckets."),
      "docs/guide/gamma.md": page("Gamma", "Gamma explains the quorum protocol."),
      "docs/delta.md": page("Delta", "Delta lists the ports."),
    });
    repo.commitAll("docs");
    const first = countingEmbedder();
    const { summary: initial } = await sync(first);
    expect(initial).toMatchObject({ added: 4, updated: 0, renamed: 0, removed: 0, unchanged: 0, embedded: 4 });
    expect(first.texts).toBe(4);
    const paths = (await store.listDocuments()).map((document) => document.path);
    expect(paths).toEqual(["sdk/alpha.md", "sdk/beta.md", "sdk/delta.md", "sdk/guide/gamma.md"]);
    const [gamma] = (await store.searchText("quorum protocol", 1)).hits;
    expect(gamma).toMatchObject({ path: "sdk/guide/gamma.md", url: "https://docs.example.com/guide/gamma#gamma" });

    repo.write({
      "docs/alpha.md": page("Alpha", "Alpha installs the node with the new script."),
      "docs/beta.md": null,
      "docs/guide/gamma.md": null,
      "docs/guide/gamma-protocol.md": page("Gamma", "Gamma explains the quorum protocol."),
      "docs/epsilon.md": page("Epsilon", "Epsilon covers monitoring."),
    });
    repo.commitAll("change, delete, rename, add");
    const second = countingEmbedder();
    const { summary: changed } = await sync(second);
    expect(changed).toMatchObject({ added: 1, updated: 1, renamed: 1, removed: 1, unchanged: 1, embedded: 2 });
    expect(second.texts).toBe(2);
    // The renamed page kept its chunk (and vector) and follows its new path.
    const [moved] = (await store.searchText("quorum protocol", 1)).hits;
    expect(moved).toMatchObject({ id: gamma!.id, path: "sdk/guide/gamma-protocol.md", url: "https://docs.example.com/guide/gamma-protocol#gamma" });
    expect(await store.countPendingEmbeddings()).toBe(0);

    const third = countingEmbedder();
    const { summary: unchanged } = await sync(third);
    expect(unchanged).toMatchObject({ added: 0, updated: 0, renamed: 0, removed: 0, unchanged: 4, embedded: 0, embeddingCalls: 0 });
    expect(third.calls).toBe(0);
  });

  it("a docs folder ingest leaves a recorded source's documents alone, and skips its own sub-folder of that name", async () => {
    await store.recordSource({ name: "sdk", kind: "git", location: repo.url, spec: { name: "sdk", git: repo.url }, revision: "x", summary: {} });
    const folder = path.join(root, "plain-docs");
    mkdirSync(path.join(folder, "sdk"), { recursive: true });
    writeFileSync(path.join(folder, "plain.md"), page("Plain", "A plain folder page."));
    writeFileSync(path.join(folder, "sdk", "alpha.md"), page("Shadow", "A folder page where the source's page lives."));
    const summary = await ingestDirectory({ store, docsDir: folder, chunking: { targetTokens: 200, overlapTokens: 20 }, embed: null, embedBatchSize: 16 });
    expect(summary).toMatchObject({ added: 1, removed: 0 });
    expect(summary.failed).toEqual([{ path: "sdk/alpha.md", reason: expect.stringMatching(/^is shadowed by the source sdk/) }]);
    const [alpha] = (await store.searchText("alpha installs", 1)).hits;
    expect(alpha).toMatchObject({ path: "sdk/alpha.md", title: "Alpha" });
    const paths = (await store.listDocuments()).map((document) => document.path);
    expect(paths.filter((entry) => entry.startsWith("sdk/"))).toHaveLength(4);
    expect(paths).toContain("plain.md");
  });
});

describe("the sources file, synced as the server does it", () => {
  let store: KnowledgeStore;
  beforeAll(async () => {
    store = await openStore({ inMemory: true });
    const handbook = path.join(root, "handbook");
    mkdirSync(handbook, { recursive: true });
    writeFileSync(path.join(handbook, "welcome.md"), "---\nupdated_at: 2026-11-20\n---\n# Welcome\n\nThe handbook welcome page.\n");
    pages.set("/sitemap.xml", `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>${origin}/docs/start.html</loc><lastmod>2026-11-28</lastmod></url>
<url><loc>${origin}/docs/faq.html</loc><lastmod>2026-11-29</lastmod></url></urlset>`);
    pages.set("/docs/start.html", `<html><head><title>Start</title></head><body><main><h1>Start</h1><p>${"Start here with the relay setup guide and its many steps. ".repeat(12)}</p><h2 id="ports">Open the ports</h2><p>${"Open port 8336 for the relay so that peers can reach it. ".repeat(12)}</p></main></body></html>`);
    pages.set("/docs/faq.html", `<html><head><title>FAQ</title></head><body><main><h1>FAQ</h1><p>Answers to frequent questions about the relay and its operators.</p></main></body></html>`);
  });
  afterAll(() => store.close());

  const declare = (gitUrl: string, withSite = true): void =>
    writeFileSync(
      sourcesFile,
      [
        "sources:",
        "  - name: handbook",
        "    folder: ./handbook",
        "  - name: sdk",
        `    git: ${gitUrl}`,
        "    path: docs",
        ...(withSite ? ["  - name: website", `    sitemap: ${origin}/sitemap.xml`, "    delay_ms: 0"] : []),
      ].join("\n"),
    );
  const byName = (results: SourceSyncResult[]) => Object.fromEntries(results.map((result) => [result.name, result]));

  it("syncs every declared source under its name, links website sections to the live page, and records them", async () => {
    declare(repo.url);
    const results = byName(await runConfiguredSync(store));
    expect(Object.keys(results)).toEqual(["handbook", "sdk", "website"]);
    expect(results.handbook!.summary).toMatchObject({ added: 1 });
    expect(results.sdk!.summary).toMatchObject({ added: 4 });
    expect(results.sdk!.revision).toBe(repo.git(repo.work, "rev-parse", "HEAD"));
    expect(results.website!.summary).toMatchObject({ added: 2 });
    const [ports] = (await store.searchText("open port 8336", 1)).hits;
    expect(ports).toMatchObject({ path: "website/docs/start.md", url: `${origin}/docs/start.html#ports` });
    expect((await store.getChunk(ports!.id))?.updatedAt).toBe("2026-11-28");
    const [welcome] = (await store.searchText("handbook welcome", 1)).hits;
    expect((await store.getChunk(welcome!.id))).toMatchObject({ path: "handbook/welcome.md", updatedAt: "2026-11-20" });
    const records = await store.listSources();
    expect(records.map((record) => [record.name, record.kind, record.error])).toEqual([
      ["handbook", "folder", null],
      ["sdk", "git", null],
      ["website", "sitemap", null],
    ]);
  });

  it("an unreachable remote is reported and recorded, and leaves that source's documents as they were", async () => {
    declare(`file://${path.join(root, "missing.git")}`);
    const before = (await store.listDocuments()).filter((document) => document.path.startsWith("sdk/"));
    const results = byName(await runConfiguredSync(store));
    expect(results.sdk!.summary).toBeNull();
    expect(results.sdk!.error).toMatch(/could not fetch .*missing\.git.*repository not found/);
    expect(results.handbook!.summary).toMatchObject({ unchanged: 1 });
    expect((await store.listDocuments()).filter((document) => document.path.startsWith("sdk/"))).toEqual(before);
    const sdk = (await store.listSources()).find((record) => record.name === "sdk");
    expect(sdk).toMatchObject({ error: results.sdk!.error, revision: repo.git(repo.work, "rev-parse", "HEAD") });
  });

  it("after a sync, a source no longer declared goes with its documents and checkout, and so do documents of no source", async () => {
    const folder = path.join(root, "loose");
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, "loose.md"), page("Loose", "A loose page."));
    await ingestFolder(store, folder);
    expect((await store.listDocuments()).map((document) => document.path)).toContain("loose.md");
    expect(existsSync(path.join(root, "data", "sources", "website"))).toBe(true);

    declare(repo.url, false);
    const notices: string[] = [];
    await runConfiguredSync(store, { onProgress: (event) => (event.stage === "notice" ? notices.push(event.message) : undefined) });
    expect((await store.listSources()).map((record) => record.name)).toEqual(["handbook", "sdk"]);
    const paths = (await store.listDocuments()).map((document) => document.path);
    expect(paths.some((entry) => entry.startsWith("website/"))).toBe(false);
    expect(existsSync(path.join(root, "data", "sources", "website"))).toBe(false);
    expect(paths).not.toContain("loose.md");
    expect(paths.filter((entry) => entry.startsWith("sdk/"))).toHaveLength(4);
    expect(paths).toContain("handbook/welcome.md");
    expect(notices).toContain("Source website is no longer declared: removed it and its 2 documents");
    expect(notices.some((notice) => notice.startsWith("Removed 1 documents that belong to no declared source"))).toBe(true);
  });
});
