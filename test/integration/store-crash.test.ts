import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatFailures, formatSummary } from "@/cli/commands/ingest";
import { chunkDocument } from "@/src/server/rag/chunk/chunker";
import { documentChecksum, ingestDirectory } from "@/src/server/rag/ingest/ingest";
import { listDocumentFiles, loadDocument } from "@/src/server/rag/load/load-documents";
import { openStore } from "@/src/server/rag/store";
import { acquireStoreLock, LOCK_FILE_NAME } from "@/src/server/rag/store/lock";
import { openPgliteClient } from "@/src/server/rag/store/pglite-client";
import { freshDir, run, runScript, waitFor } from "@/test/integration/support/processes";
import { SEMI_SPACE_MB } from "@/scripts/server-node-args.mjs";

/**
 * Crashes, stops and bad input, with real processes: SIGTERM through `npm start`'s
 * script, an ingest killed with SIGKILL midway and repaired by the next run, and a
 * docs folder with files that cannot be indexed. (The lock after a crash, which
 * measures heartbeats, is store-lock-crash.test.ts.)
 */

const root = path.resolve(import.meta.dirname, "../..");
const register = path.join(root, "bench/lib/register.mjs");
const runningAsRoot = process.getuid?.() === 0;
const NOBODY = 65_534;
/** As root the bad-files test runs the CLI as nobody, which needs to read the checkout (a clone under a 0700 mktemp dir is not readable). */
const nobodyReadsCheckout =
  !runningAsRoot ||
  spawnSync(process.execPath, ["-e", `require("fs").accessSync(${JSON.stringify(path.join(root, "cli/quire.mjs"))})`], { uid: NOBODY }).status === 0;

const runCli = (args: string[], env: Record<string, string>, options: { cwd?: string; uid?: number } = {}) =>
  run([path.join(root, "cli/quire.mjs"), ...args], { env: { LOG_LEVEL: "silent", ...env }, ...options });

const storeServerScript = `
const { getStore } = await import("@/src/server/rag/store");
const { installShutdownHandlers, trackStream } = await import("@/src/server/shutdown");
const store = await getStore();
const chunk = { path: "kept.md", ordinal: 0, title: "Kept", heading: "", url: null, text: "Written before the stop.", tokenCount: 5 };
await store.replaceDocument({ path: "kept.md", title: "Kept", url: null, date: null, checksum: "c1" }, [chunk]);
installShutdownHandlers();
// An answer still streaming when SIGTERM comes: it ends 700 ms later.
let controller;
const response = trackStream(new Response(new ReadableStream({ start: (control) => void (controller = control) })));
response.text().then((text) => console.log("stream done: " + text));
process.on("SIGTERM", () => setTimeout(() => { controller.enqueue(new TextEncoder().encode("last words")); controller.close(); }, 700));
console.log("ready");
`;

async function expectStoreClosedCleanly(dataDir: string): Promise<void> {
  expect(existsSync(path.join(dataDir, LOCK_FILE_NAME))).toBe(false);
  const reopened = await openStore({ dataDir: path.join(dataDir, "index"), readOnly: true });
  try {
    expect(await reopened.listDocuments()).toEqual([{ path: "kept.md", checksum: "c1" }]);
  } finally {
    await reopened.close();
  }
}

describe("SIGTERM", () => {
  it("lets the answer in flight finish, closes the store, removes the lock file and exits 0", async () => {
    const dataDir = freshDir("sigterm");
    const server = runScript(storeServerScript, [], { QUIRE_DATA_DIR: dataDir });
    await waitFor(server, /ready/);
    expect(existsSync(path.join(dataDir, LOCK_FILE_NAME))).toBe(true);
    const signalled = Date.now();
    server.child.kill("SIGTERM");
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(650);
    const output = server.output();
    expect(output).toContain("stream done: last words");
    expect(output.indexOf("stream done")).toBeLessThan(output.indexOf("knowledge store closed"));
    await expectStoreClosedCleanly(dataDir);
  });

  /** A copy of scripts/start.mjs in a folder whose "build" is current and whose `next` is `server`. */
  function fakeInstall(server: string): string {
    const fake = freshDir("start");
    mkdirSync(path.join(fake, "scripts"));
    for (const script of ["start.mjs", "build-stamp.mjs", "server-node-args.mjs"]) copyFileSync(path.join(root, "scripts", script), path.join(fake, "scripts", script));
    mkdirSync(path.join(fake, ".next"));
    writeFileSync(path.join(fake, ".next/BUILD_ID"), "fake");
    // start.mjs hashes app/, src/, … of its root: none here, so the stamp of nothing is current.
    writeFileSync(path.join(fake, ".next/quire-build-stamp"), createHash("sha256").update("").digest("hex"));
    mkdirSync(path.join(fake, "node_modules/next/dist/bin"), { recursive: true });
    writeFileSync(path.join(fake, "node_modules/next/dist/bin/next"), server);
    return fake;
  }

  it("reaches the server through `npm start` (scripts/start.mjs), which exits with the server's code", async () => {
    const dataDir = freshDir("npm-start");
    // The store-holding "server" above, as a module that the fake `next` imports after registering tsx.
    const serverFile = path.join(dataDir, "server.mjs");
    writeFileSync(serverFile, storeServerScript);
    const fakeNext = `
console.log("next " + process.argv.slice(2).join(" ") + " NEXT_MANUAL_SIG_HANDLE=" + process.env.NEXT_MANUAL_SIG_HANDLE + " node " + process.execArgv.join(" "));
import(${JSON.stringify(`file://${register}`)}).then(() => import(${JSON.stringify(`file://${serverFile}`)}));`;
    const start = run([path.join(fakeInstall(fakeNext), "scripts/start.mjs")], { env: { QUIRE_DATA_DIR: dataDir, PORT: "4321", QUIRE_SKIP_INGEST: "1", NODE_OPTIONS: "" } });
    await waitFor(start, /ready/);
    expect(start.output()).toContain(`next start -p 4321 NEXT_MANUAL_SIG_HANDLE=true node --max-semi-space-size=${SEMI_SPACE_MB}`);
    start.child.kill("SIGTERM");
    expect(await start.exited).toEqual({ code: 0, signal: null });
    expect(start.output()).toContain("stream done: last words");
    await expectStoreClosedCleanly(dataDir);
  });

  it("passes on a server's death by signal as 128 + its number", async () => {
    const start = run([path.join(fakeInstall(`console.log("up"); process.kill(process.pid, "SIGKILL");`), "scripts/start.mjs")], {
      env: { QUIRE_SKIP_INGEST: "1" },
    });
    expect(await start.exited).toEqual({ code: 137, signal: null });
  });
});

/** A docs folder big enough that an ingest takes a few seconds: `files` pages of several sections each. */
function generateDocs(files: number): string {
  const docs = freshDir("crash-docs");
  for (let index = 0; index < files; index++) {
    const sections = Array.from({ length: 6 }, (_, section) =>
      `## Part ${section}\n\n${`Page ${index} part ${section} explains topic${index}x${section} for the operator. `.repeat(25)}`,
    );
    mkdirSync(path.join(docs, `area-${index % 5}`), { recursive: true });
    writeFileSync(path.join(docs, `area-${index % 5}/page-${index}.md`), `# Page ${index}\n\n${sections.join("\n\n")}\n`);
  }
  return docs;
}

const crashChunking = { targetTokens: 120, overlapTokens: 20 };

/** Every check of a complete, consistent index, straight in SQL: rows, counts, orphans, vocabulary. */
async function checkIndex(dataDir: string, docs: string): Promise<void> {
  const lock = acquireStoreLock(dataDir, "test");
  const client = await openPgliteClient(path.join(dataDir, "index"));
  try {
    const files = await listDocumentFiles(docs);
    const expected: string[] = [];
    const checksums: Record<string, string> = {};
    for (const file of files) {
      const document = await loadDocument(docs, file);
      checksums[file] = documentChecksum(document.contentHash, crashChunking);
      for (const chunk of chunkDocument(document, crashChunking)) expected.push(`${file}#${chunk.ordinal}:${chunk.text}`);
    }
    const documents = await client.query("SELECT path, checksum FROM documents ORDER BY path");
    expect(Object.fromEntries(documents.map((row) => [row.path, row.checksum]))).toEqual(checksums);
    const chunks = await client.query("SELECT d.path, c.ordinal, c.content FROM chunks c JOIN documents d ON d.id = c.document_id");
    expect(chunks.map((row) => `${String(row.path)}#${String(row.ordinal)}:${String(row.content)}`).sort()).toEqual(expected.sort());
    const broken = await client.query(
      `SELECT d.path FROM documents d LEFT JOIN chunks c ON c.document_id = d.id GROUP BY d.id, d.path
       HAVING count(c.id) <> d.chunk_count OR count(DISTINCT c.ordinal) <> count(c.id) OR coalesce(max(c.ordinal), -1) <> count(c.id) - 1`,
    );
    expect(broken).toEqual([]);
    const [orphans] = await client.query(
      `SELECT (SELECT count(*) FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = c.document_id))::int AS chunks,
              (SELECT count(*) FROM chunk_terms t WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.id = t.chunk_id))::int AS postings,
              (SELECT count(*) FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM chunk_terms t WHERE t.chunk_id = c.id))::int AS unposted`,
    );
    expect(orphans).toEqual({ chunks: 0, postings: 0, unposted: 0 });
    const [lexicon] = await client.query(
      `SELECT (SELECT count(*) FROM (SELECT term, count(*)::int AS df FROM chunk_terms GROUP BY term) p
               FULL JOIN lexicon l USING (term) WHERE l.term IS NULL OR p.term IS NULL OR l.df <> p.df)::int AS mismatched,
              (SELECT (value->>'chunks')::int FROM quire_meta WHERE key = 'lexicon') AS recorded,
              (SELECT count(*)::int FROM chunks) AS chunks`,
    );
    expect(lexicon).toEqual({ mismatched: 0, recorded: lexicon?.chunks, chunks: expected.length });
  } finally {
    await client.close();
    lock.release();
  }
}

describe("kill -9 during ingest", () => {
  it("leaves an index that the next run completes: every file's chunks once, no orphans, a current vocabulary", async () => {
    const docs = generateDocs(60);
    const dataDir = freshDir("crash-data");
    const env = { QUIRE_DATA_DIR: dataDir, QUIRE_DOCS_DIR: docs, QUIRE_CHUNK_TOKENS: "120", QUIRE_CHUNK_OVERLAP: "20" };
    const killed = runCli(["ingest"], env);
    await waitFor(killed, /Files (1[89]|[2-4]\d)\/60/, 120_000);
    killed.child.kill("SIGKILL");
    expect((await killed.exited).signal).toBe("SIGKILL");

    const store = await openStore({ dataDir: path.join(dataDir, "index"), readOnly: true });
    const halfway = (await store.status()).documents;
    await store.close();
    expect(halfway).toBeGreaterThan(0);
    expect(halfway).toBeLessThan(60);

    const repaired = runCli(["ingest"], env);
    const result = await repaired.exited;
    expect(result.code, repaired.stderr()).toBe(0);
    expect(repaired.output()).toMatch(new RegExp(`${60 - halfway} added, 0 updated, 0 removed, ${halfway} unchanged`));
    await checkIndex(dataDir, docs);

    const again = runCli(["ingest"], env);
    expect((await again.exited).code).toBe(0);
    expect(again.output()).toMatch(/0 added, 0 updated, 0 removed, 60 unchanged \(0 chunks written/);
  }, 240_000);
});

describe("a run that died after its writes, before rebuilding the vocabulary", () => {
  it("is repaired by the next run although no file changed since", async () => {
    const docs = generateDocs(8);
    const dataDir = freshDir("crash-lexicon");
    const ingest = async (breakRefresh: boolean) => {
      const store = await openStore({ dataDir: path.join(dataDir, "index"), purpose: "ingest" });
      // A throw where the kill would land: like a kill, it skips everything after it.
      const killed = { ...store, refreshLexicon: () => Promise.reject(new Error("killed before the vocabulary rebuild")) };
      try {
        return await ingestDirectory({ store: breakRefresh ? killed : store, docsDir: docs, chunking: crashChunking, embed: null, embedBatchSize: 32 });
      } finally {
        await store.close();
      }
    };
    // A first run builds the vocabulary; the interrupted one follows changes to the folder.
    await ingest(false);
    writeFileSync(path.join(docs, "area-0/page-0.md"), "# Page 0\n\nRewritten with the word zanzibarite.\n");
    writeFileSync(path.join(docs, "area-1/new.md"), "# New\n\nA new page about quokkaology.\n");
    await expect(ingest(true)).rejects.toThrow(/killed/);
    expect(await ingest(false)).toMatchObject({ added: 0, updated: 0, unchanged: 9 });
    await checkIndex(dataDir, docs);
  }, 120_000);
});

describe("quire ingest with files that cannot be indexed", () => {
  it.skipIf(!nobodyReadsCheckout)(`skips them with their reasons, indexes the rest and exits 0 (as user nobody when run as root)${nobodyReadsCheckout ? "" : " [skipped: user nobody cannot read this checkout]"}`, async () => {
    const work = freshDir("bad-files");
    const docs = path.join(work, "docs");
    const dataDir = path.join(work, "data");
    mkdirSync(path.join(docs, "private"), { recursive: true });
    mkdirSync(dataDir);
    writeFileSync(path.join(docs, "install.md"), "# Install\n\nRun the installer with systemd.\n");
    writeFileSync(path.join(docs, "notes.txt"), "Backups run nightly.");
    writeFileSync(path.join(docs, "binary.md"), Buffer.from("# B\n\u0000secret"));
    writeFileSync(path.join(docs, "latin1.md"), Buffer.from([0x23, 0x20, 0xe9, 0x0a]));
    writeFileSync(path.join(docs, "locked.md"), "# Locked\n");
    writeFileSync(path.join(docs, "private/hidden.md"), "# Hidden\n");
    chmodSync(path.join(docs, "locked.md"), 0o000);
    chmodSync(path.join(docs, "private"), 0o000);
    // Root reads every file whatever its mode: the CLI runs as nobody then, which needs to write the data dir.
    for (const folder of [work, dataDir]) chmodSync(folder, 0o777);
    const ingest = runCli(["ingest"], { QUIRE_DATA_DIR: dataDir, QUIRE_DOCS_DIR: docs, HOME: work }, { cwd: work, ...(runningAsRoot && { uid: NOBODY }) });
    const result = await ingest.exited;
    expect(result.code, ingest.stderr()).toBe(0);
    expect(ingest.output()).toMatch(/2 added, 0 updated, 0 removed, 0 unchanged, 4 skipped/);
    expect(ingest.stderr()).toContain("Skipped 4 files; the rest is indexed");
    expect(ingest.stderr()).toContain("  private/: folder cannot be listed: permission denied (EACCES)");
    expect(ingest.stderr()).toContain("  binary.md: contains a NUL byte (line 2, byte 4)");
    expect(ingest.stderr()).toContain("  latin1.md: is not valid UTF-8 text");
    expect(ingest.stderr()).toContain("  locked.md: cannot be read: permission denied (EACCES)");
    expect(ingest.stderr() + ingest.output()).not.toContain("secret");
    const store = await openStore({ dataDir: path.join(dataDir, "index"), readOnly: true });
    expect((await store.listDocuments()).map((document) => document.path)).toEqual(["install.md", "notes.txt"]);
    await store.close();
  }, 120_000);
});

describe("the CLI's ingest summary (formatting)", () => {
  const base = { added: 2, updated: 0, removed: 0, unchanged: 1, chunks: 4, embedded: 0, embeddingCalls: 0, durationMs: 900 };

  it("counts skipped files in the summary line and lists each with its reason", () => {
    const failed = [
      { path: "binary.md", reason: "contains a NUL byte (line 2, byte 27): a binary or UTF-16 file, not UTF-8 text" },
      { path: "private/", reason: "folder cannot be listed: permission denied (EACCES)" },
    ];
    expect(formatSummary({ ...base, failed })).toBe("Done in 900 ms: 2 added, 0 updated, 0 removed, 1 unchanged, 2 skipped (4 chunks written; no embedding calls).");
    expect(formatFailures(failed)).toBe(
      "Skipped 2 files; the rest is indexed, and a skipped file's earlier version, if any, stays:\n" +
        "  binary.md: contains a NUL byte (line 2, byte 27): a binary or UTF-16 file, not UTF-8 text\n" +
        "  private/: folder cannot be listed: permission denied (EACCES)",
    );
  });

  it("says nothing more when no file was skipped", () => {
    expect(formatSummary({ ...base, failed: [] })).toBe("Done in 900 ms: 2 added, 0 updated, 0 removed, 1 unchanged (4 chunks written; no embedding calls).");
    expect(formatFailures([])).toBeNull();
  });
});
