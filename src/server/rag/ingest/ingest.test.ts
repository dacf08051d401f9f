import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ingestDirectory } from "@/src/server/rag/ingest/ingest";
import { openStore, type KnowledgeStore } from "@/src/server/rag/store";

const chunking = { targetTokens: 120, overlapTokens: 20 };
/** Written into every bad file: it must never reach a log line or the summary. */
const CONTENT_MARKER = "confidentialmarker";
const runningAsRoot = process.getuid?.() === 0;
/** PGlite starts in seconds, more on a loaded machine: one store per suite, generous timeouts. */
const SLOW = { timeout: 60_000 };

describe("ingestDirectory with files that cannot be indexed", SLOW, () => {
  let docs: string;
  let store: KnowledgeStore;
  let logged: { object: object; message: string }[];
  const write = (file: string, content: string | Buffer) => {
    mkdirSync(path.dirname(path.join(docs, file)), { recursive: true });
    writeFileSync(path.join(docs, file), content);
  };
  const run = (over: Partial<Parameters<typeof ingestDirectory>[0]> = {}) =>
    ingestDirectory({
      store,
      docsDir: docs,
      chunking,
      embed: null,
      embedBatchSize: 4,
      logger: { warn: (object, message) => void logged.push({ object, message }) },
      ...over,
    });
  const storedPaths = async () => (await store.listDocuments()).map((document) => document.path);

  beforeAll(async () => {
    store = await openStore({ inMemory: true });
  }, 120_000);
  afterAll(() => store.close());
  beforeEach(async () => {
    await store.removeDocuments(await storedPaths());
    docs = mkdtempSync(path.join(tmpdir(), "quire-ingest-bad-"));
    logged = [];
    write("guide/install.md", "# Install\n\nRun the installer on Linux with systemd.\n");
    write("faq.mdx", "import X from './x';\n\n# FAQ\n\n<X />\n\nQuire answers questions about backups.\n");
    write("notes.txt", "Backups run nightly.");
  });
  afterEach(() => {
    // Unlocked again, or rmSync cannot enter them.
    for (const entry of ["private", "locked.md"]) if (existsSync(path.join(docs, entry))) chmodSync(path.join(docs, entry), 0o700);
    rmSync(docs, { recursive: true, force: true });
  });

  it("skips a NUL-byte file and an invalid UTF-8 file, reports and logs why, and indexes every good file", async () => {
    write("binary.md", Buffer.from(`# Binary\n${CONTENT_MARKER}\u0000\u0001\u0002`));
    write("guide/latin1.md", Buffer.concat([Buffer.from(`# Caf`), Buffer.from([0xe9]), Buffer.from(` ${CONTENT_MARKER}\n`)]));
    const summary = await run();
    expect(summary).toMatchObject({ added: 3, updated: 0, removed: 0, unchanged: 0 });
    expect(summary.failed).toEqual([
      { path: "binary.md", reason: "contains a NUL byte (line 2, byte 27): a binary or UTF-16 file, not UTF-8 text" },
      { path: "guide/latin1.md", reason: "is not valid UTF-8 text: save it as UTF-8" },
    ]);
    expect(await storedPaths()).toEqual(["faq.mdx", "guide/install.md", "notes.txt"]);
    expect((await store.searchText("systemd installer", 3)).hits[0]?.path).toBe("guide/install.md");
    expect(logged).toEqual(summary.failed.map((failure) => ({ object: failure, message: "ingest skipped a docs file" })));
    expect(JSON.stringify({ logged, summary, last: (await store.status()).lastIngest })).not.toContain(CONTENT_MARKER);
  });

  it("skips a permission-denied file and folder, and keeps what they held in the index", async (context) => {
    if (runningAsRoot) context.skip("running as root, which reads every file whatever its mode (store-crash.test.ts covers it as user nobody)");
    write("locked.md", `# Locked\n\n${CONTENT_MARKER}\n`);
    write("private/secret.md", "# Secret\n\nKept while unreadable.\n");
    expect((await run()).added).toBe(5);
    chmodSync(path.join(docs, "locked.md"), 0o000);
    chmodSync(path.join(docs, "private"), 0o000);
    const summary = await run();
    expect(summary).toMatchObject({ added: 0, updated: 0, removed: 0, unchanged: 3 });
    expect(summary.failed).toEqual([
      { path: "private/", reason: "folder cannot be listed: permission denied (EACCES)" },
      { path: "locked.md", reason: "cannot be read: permission denied (EACCES)" },
    ]);
    expect(await storedPaths()).toEqual(["faq.mdx", "guide/install.md", "locked.md", "notes.txt", "private/secret.md"]);
  });

  it("keeps the earlier version of a file that turned bad, and indexes it again once fixed", async () => {
    await run();
    write("notes.txt", `Backups run nightly.\u0000${CONTENT_MARKER}`);
    const broken = await run();
    expect(broken).toMatchObject({ added: 0, updated: 0, removed: 0, unchanged: 2, failed: [{ path: "notes.txt" }] });
    expect((await store.searchText("nightly", 3)).hits[0]?.path).toBe("notes.txt");
    write("notes.txt", "Backups run weekly now.");
    expect(await run()).toMatchObject({ updated: 1, unchanged: 2, failed: [] });
    expect((await store.searchText("weekly", 3)).hits[0]?.path).toBe("notes.txt");
  });

  it("records a file the store refuses, and stops when the store refuses five in a row", async () => {
    const refusing = (prefix: string): KnowledgeStore => ({
      ...store,
      replaceDocument: async (document, chunks) => {
        if (document.path.startsWith(prefix)) throw new Error("index row size 3000 exceeds btree version 4 maximum 2704");
        return store.replaceDocument(document, chunks);
      },
    });
    const one = await run({ store: refusing("notes") });
    expect(one.failed).toEqual([{ path: "notes.txt", reason: "the index refused it: index row size 3000 exceeds btree version 4 maximum 2704" }]);
    expect(one.added).toBe(2);
    for (let index = 0; index < 5; index++) write(`many/${index}.md`, `# Page ${index}\n\nText.`);
    await expect(run({ store: refusing("many/") })).rejects.toThrow(/The index refused 5 files in a row; the last one, many\/4\.md: the index refused it/);
  });
});

describe("ingestDirectory after an interrupted run", SLOW, () => {
  it("refreshes the vocabulary when the last run never finished, even though no file changed", async () => {
    const docs = mkdtempSync(path.join(tmpdir(), "quire-ingest-interrupted-"));
    writeFileSync(path.join(docs, "a.md"), "# Alpha\n\nAlpha text.");
    const store = await openStore({ inMemory: true });
    let refreshes = 0;
    const counting: KnowledgeStore = { ...store, refreshLexicon: async () => void (refreshes++, await store.refreshLexicon()) };
    const run = () => ingestDirectory({ store: counting, docsDir: docs, chunking, embed: null, embedBatchSize: 4 });
    try {
      await run();
      expect(refreshes).toBe(1);
      expect((await store.status()).lastIngest?.summary).not.toHaveProperty("inProgress");
      await run();
      expect(refreshes).toBe(1);
      // What a run killed after its writes leaves behind: the mark, and no refresh.
      await store.recordIngest({ inProgress: true });
      expect(await run()).toMatchObject({ unchanged: 1, added: 0 });
      expect(refreshes).toBe(2);
    } finally {
      await store.close();
      rmSync(docs, { recursive: true, force: true });
    }
  });
});
