import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { openStore, type KnowledgeStore } from "@/src/server/rag/store";
import type { Chunk } from "@/src/server/rag/types";
import { fakeEmbedding } from "@/test/fakes/embedding";
import { createDatabase, pgvectorSkipReason, postgresql, startPostgresServer } from "@/test/support/postgres-server";

/**
 * The store contract, run against every implementation: PGlite in process; the
 * `pg` (PostgreSQL) path through pglite-socket, which speaks the wire protocol;
 * and `pg` against a real PostgreSQL server with pgvector, when this machine has one.
 */

function chunk(path: string, ordinal: number, heading: string, text: string): Chunk {
  return { path, ordinal, title: `Title of ${path}`, heading, url: `https://docs.example/${path}#${ordinal}`, text, tokenCount: 10 };
}

const document = (path: string, checksum: string) => ({ path, title: `Title of ${path}`, url: null, date: null, checksum });

/** A deterministic dense unit vector of 1024 dimensions. */
function seededUnitVector(seed: number): number[] {
  let state = seed;
  const values = Array.from({ length: 1024 }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  });
  const norm = Math.hypot(...values);
  return values.map((value) => value / norm);
}

/** Cosine similarity as the server computes it: of the float4 values stored. */
function float4Cosine(left: number[], right: number[]): number {
  let dot = 0;
  let leftNorm = 0;
  let rightNorm = 0;
  left.forEach((value, index) => {
    const a = Math.fround(value);
    const b = Math.fround(right[index]!);
    dot += a * b;
    leftNorm += a * a;
    rightNorm += b * b;
  });
  return dot / Math.sqrt(leftNorm * rightNorm);
}

interface Harness {
  open(): Promise<KnowledgeStore>;
  stop(): Promise<void>;
}

interface HarnessSpec {
  name: string;
  /** Why this harness cannot run here, or null. */
  skipReason: string | null;
  start: () => Promise<Harness>;
}

const harnesses: HarnessSpec[] = [
  {
    name: "pglite",
    skipReason: null,
    start: async () => ({ open: () => openStore({ inMemory: true }), stop: async () => undefined }),
  },
  {
    name: "postgres (pg via pglite-socket)",
    skipReason: null,
    start: async () => {
      const database = await PGlite.create({ extensions: { vector, pg_trgm } });
      const server = new PGLiteSocketServer({ db: database, port: 0, host: "127.0.0.1", maxConnections: 8 });
      await server.start();
      const address = server.getServerConn();
      return {
        open: () => openStore({ databaseUrl: `postgres://postgres@${address}/postgres?sslmode=disable` }),
        stop: async () => {
          await server.stop();
          await database.close();
        },
      };
    },
  },
  {
    name: `postgres (real PostgreSQL${postgresql.installation ? ` ${postgresql.installation.version}` : ""} with pgvector)`,
    skipReason: pgvectorSkipReason(),
    start: async () => {
      const server = await startPostgresServer();
      try {
        // A database of this harness's own, as an operator would create for Quire.
        const databaseUrl = await createDatabase(server, "quire_contract");
        return { open: () => openStore({ databaseUrl }), stop: async () => server.stop() };
      } catch (error) {
        server.stop();
        throw error;
      }
    },
  },
];

for (const spec of harnesses.filter((harness) => harness.skipReason !== null)) {
  // One visible line instead of one skipped line per contract test.
  it.skip(`knowledge store contract: ${spec.name} (skipped: ${spec.skipReason})`, () => undefined);
}

const runnable = harnesses.filter((harness) => harness.skipReason === null).map((harness) => [harness.name, harness] as const);

describe.each(runnable)("knowledge store contract: %s", (_name, spec) => {
  let harness: Harness;
  let store: KnowledgeStore;

  beforeAll(async () => {
    harness = await spec.start();
    store = await harness.open();
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    await harness?.stop();
  });

  it("stores documents and replaces all chunks of a changed one, leaving no stale tail", async () => {
    await store.replaceDocument(document("a.md", "one"), [
      chunk("a.md", 0, "Install", "Install the node on Linux with systemd"),
      chunk("a.md", 1, "Install > Windows", "Windows is not supported, use WSL"),
      chunk("a.md", 2, "Update", "Run the update script from cron"),
    ]);
    await store.replaceDocument(document("b.md", "two"), [chunk("b.md", 0, "Storage", "Buckets hold objects")]);
    expect(await store.listDocuments()).toEqual([
      { path: "a.md", checksum: "one" },
      { path: "b.md", checksum: "two" },
    ]);
    await store.replaceDocument(document("a.md", "three"), [chunk("a.md", 0, "Install", "Install on macOS")]);
    const status = await store.status();
    expect(status).toMatchObject({ documents: 2, chunks: 2, embeddedChunks: 0, embedding: null });
    expect(typeof status.chunks).toBe("number");
  });

  it("ranks chunks that contain some of the question's words, even when no chunk contains all of them", async () => {
    const question = "how do I install it on my mac computer";
    const found = await store.searchText(question, 5);
    // "macOS" is indexed whole and in its camel-case parts, so "mac" finds it.
    expect(found.hits[0]).toMatchObject({ path: "a.md", heading: "Install", text: "Install on macOS", matchedTerms: ["instal", "mac"] });
    expect(typeof found.hits[0]?.score).toBe("number");
    expect(found.terms.find((term) => term.term === "comput")).toMatchObject({ df: 0 });
    expect(await store.searchText("?!", 5)).toMatchObject({ hits: [], terms: [] });
  });

  it("answers full text from the refreshed posting lists exactly as the scan of a stale index does", async () => {
    await store.replaceDocument(document("c.md", "one"), [
      chunk("c.md", 0, "Install > Linux", "Install the node with the install script, then install the service"),
      chunk("c.md", 1, "Backup", "Back up the node keys before you update the node"),
    ]);
    try {
      const questions = ["install the node", "node keys backup", "update macOS", "nothing matches this zzz"];
      // Not refreshed since these writes: every search scans the postings.
      const scanned = await Promise.all(questions.map((question) => store.searchText(question, 3)));
      await store.refreshLexicon();
      const listed = await Promise.all(questions.map((question) => store.searchText(question, 3)));
      const shape = (results: Awaited<ReturnType<KnowledgeStore["searchText"]>>[]) =>
        results.map((result) => ({ ...result, hits: result.hits.map((hit) => ({ ...hit, score: Number(hit.score.toPrecision(12)) })) }));
      expect(shape(listed)).toEqual(shape(scanned));
      expect(listed[0]?.hits.map((hit) => hit.path)).toContain("c.md");
    } finally {
      await store.removeDocuments(["c.md"]);
    }
  });

  it("records the embedding space, saves vectors and searches them by cosine similarity", async () => {
    expect(await store.countPendingEmbeddings()).toBe(2);
    // Before any vector table: no space, no hits, no error.
    expect(await store.searchVectorInSpace({ embedding: fakeEmbedding("buckets"), model: "BAAI/bge-m3" }, 2)).toEqual({ space: null, chunks: [] });
    expect(await store.useEmbeddingSpace({ model: "BAAI/bge-m3", dimensions: 1024 })).toBe(true);
    expect(await store.useEmbeddingSpace({ model: "baai/bge-m3", dimensions: 1024 })).toBe(false);
    const pending = await store.pendingEmbeddings(10);
    // In id order, and from a cursor: only the chunks after it.
    expect(pending.map((row) => BigInt(row.id))).toEqual(pending.map((row) => BigInt(row.id)).sort((a, b) => (a < b ? -1 : 1)));
    expect(await store.pendingEmbeddings(10, pending[0]!.id)).toEqual(pending.slice(1));
    expect(await store.pendingEmbeddings(10, pending.at(-1)!.id)).toEqual([]);
    await expect(store.pendingEmbeddings(10, "1 OR true")).rejects.toThrow(/chunk id/);
    await store.saveEmbeddings(pending.map((row) => ({ chunkId: row.id, embedding: fakeEmbedding(row.text) })));
    expect(await store.countPendingEmbeddings()).toBe(0);
    const query = fakeEmbedding("buckets objects");
    const approximate = await store.searchVector(query, 2);
    const exact = await store.searchVector(query, 2, { exact: true });
    expect(approximate[0]).toMatchObject({ path: "b.md", heading: "Storage" });
    expect(approximate.map((row) => row.id)).toEqual(exact.map((row) => row.id));
    expect(approximate[0]!.score).toBeGreaterThan(approximate[1]!.score);
    expect((await store.status()).embedding).toEqual({ model: "BAAI/bge-m3", dimensions: 1024 });
    // The chat turn's one-statement search: the same hits in the index's space (model names compare case-insensitively) ...
    const space = { model: "BAAI/bge-m3", dimensions: 1024 };
    expect(await store.searchVectorInSpace({ embedding: query, model: "baai/bge-m3" }, 2)).toEqual({ space, chunks: approximate });
    // ... and only the space for a query of another model or dimension, which never reaches the distance operator.
    expect(await store.searchVectorInSpace({ embedding: query, model: "other/model" }, 2)).toEqual({ space, chunks: [] });
    expect(await store.searchVectorInSpace({ embedding: [1, 0, 0], model: "BAAI/bge-m3" }, 2)).toEqual({ space, chunks: [] });
  });

  it("searches with a dense query vector (sent in binary) at float4 precision", async () => {
    // A provider's vectors are dense, unlike the fake's: every float crosses, none is printed.
    const ids = (await store.searchVector(fakeEmbedding("buckets objects"), 2, { exact: true })).map((row) => row.id);
    const dense = ids.map((_, index) => seededUnitVector(index + 11));
    await store.saveEmbeddings(ids.map((chunkId, index) => ({ chunkId, embedding: dense[index]! })));
    try {
      const [self] = await store.searchVector(dense[0]!, 1, { exact: true });
      expect(self?.id).toBe(ids[0]);
      expect(self!.score).toBeCloseTo(1, 6);
      const query = seededUnitVector(7);
      const found = await store.searchVectorInSpace({ embedding: query, model: "BAAI/bge-m3" }, ids.length);
      expect(found.chunks.map((hit) => hit.id).sort()).toEqual([...ids].sort());
      for (const hit of found.chunks) expect(hit.score).toBeCloseTo(float4Cosine(query, dense[ids.indexOf(hit.id)]!), 6);
    } finally {
      // Their own vectors back, for the tests after this one.
      for (const id of ids) await store.saveEmbeddings([{ chunkId: id, embedding: fakeEmbedding((await store.getChunk(id))!.text) }]);
    }
  });

  it("replaces a chunk's vector, drops one whose chunk is gone, and stores nothing of a batch with a wrong dimension", async () => {
    // After the test above: both chunks have vectors in the 1024-dimension space.
    const ids = (await store.searchVector(fakeEmbedding("buckets objects"), 2, { exact: true })).map((row) => row.id);
    const [first, second] = [ids[0]!, ids[1]!];
    const target = fakeEmbedding("an unrelated sentence about ferries");
    await store.saveEmbeddings([
      { chunkId: first, embedding: target },
      { chunkId: "999999999", embedding: fakeEmbedding("no such chunk") },
    ]);
    const nearest = await store.searchVector(target, 1, { exact: true });
    expect(nearest[0]).toMatchObject({ id: first });
    expect(nearest[0]!.score).toBeCloseTo(1, 5);
    expect(await store.countPendingEmbeddings()).toBe(0);
    await expect(
      store.saveEmbeddings([
        { chunkId: second, embedding: target },
        { chunkId: first, embedding: [0.1, 0.2, 0.3] },
      ]),
    ).rejects.toThrow(/dimensions/);
    // The failed batch left the second chunk's vector as it was.
    expect((await store.searchVector(target, 2, { exact: true })).map((row) => row.id)).toEqual([first, second]);
    expect((await store.searchVector(target, 2, { exact: true }))[1]!.score).toBeLessThan(0.99);
    // Put the first chunk's own vector back for the tests after this one.
    const own = await store.getChunk(first);
    await store.saveEmbeddings([{ chunkId: first, embedding: fakeEmbedding(own!.text) }]);
  });

  it("reads one chunk by its id, a string on every driver (pg returns bigint as text)", async () => {
    const [hit] = (await store.searchText("buckets", 1)).hits;
    expect(hit).toMatchObject({ path: "b.md", heading: "Storage", id: expect.stringMatching(/^\d+$/) });
    expect(await store.getChunk(hit!.id)).toEqual({
      id: hit!.id,
      path: "b.md",
      title: "Title of b.md",
      heading: "Storage",
      url: "https://docs.example/b.md#0",
      text: "Buckets hold objects",
      score: 1,
      updatedAt: null,
    });
    expect(await store.getChunk("999999999")).toBeNull();
    expect(await store.getChunk("not-a-number")).toBeNull();
  });

  it("reads several chunks in one call, in the order asked, skipping unknown, malformed and repeated ids", async () => {
    const [a] = (await store.searchText("buckets", 1)).hits;
    const [b] = (await store.searchText("install macos", 1)).hits;
    expect(a && b && a.id !== b.id).toBe(true);
    const chunks = await store.getChunks([b!.id, "999999999", a!.id, "x", b!.id]);
    expect(chunks.map((chunk) => chunk.id)).toEqual([b!.id, a!.id]);
    expect(chunks[1]).toEqual(await store.getChunk(a!.id));
    expect(await store.getChunks([])).toEqual([]);
  });

  it("drops the vectors of a replaced or removed document, and all of them on a model change", async () => {
    await store.replaceDocument(document("b.md", "four"), [chunk("b.md", 0, "Storage", "Buckets and keys")]);
    expect(await store.countPendingEmbeddings()).toBe(1);
    expect(await store.removeDocuments(["b.md", "missing.md"])).toBe(1);
    expect(await store.status()).toMatchObject({ documents: 1, chunks: 1, embeddedChunks: 1 });
    expect(await store.useEmbeddingSpace({ model: "other-model", dimensions: 8 })).toBe(true);
    expect(await store.status()).toMatchObject({ embeddedChunks: 0, embedding: { model: "other-model", dimensions: 8 } });
  });

  it("bulk-loads vectors without the HNSW index, then builds it once", async () => {
    expect(await store.useEmbeddingSpace({ model: "BAAI/bge-m3", dimensions: 1024 })).toBe(true);
    const pending = await store.pendingEmbeddings(10);
    await store.bulkLoadVectors(() => store.saveEmbeddings(pending.map((row) => ({ chunkId: row.id, embedding: fakeEmbedding(row.text) }))));
    const [nearest] = await store.searchVector(fakeEmbedding(pending[0]!.text), 1);
    expect(nearest).toMatchObject({ id: pending[0]!.id, path: "a.md" });
    expect(nearest!.score).toBeCloseTo(1, 4);
  });

  it("records the last ingest and runs exclusive work", async () => {
    await store.recordIngest({ added: 1 });
    expect((await store.status()).lastIngest?.summary).toEqual({ added: 1 });
    expect(await store.exclusive(async () => 42)).toBe(42);
  });

  it("moves a renamed document with its chunk ids and vectors, re-linking its chunks, and refuses when it can't", async () => {
    await store.replaceDocument({ ...document("src/old.md", "same"), updated: "2026-11-01" }, [chunk("src/old.md", 0, "Moved", "Moving text")]);
    const [before] = (await store.searchText("moving", 1)).hits;
    const moved = await store.moveDocument("src/old.md", { ...document("src/new.md", "same"), title: "Title of src/old.md", updated: "2026-11-20" }, [
      { ...chunk("src/new.md", 0, "Moved", "Moving text"), url: "https://docs.example/new#moved" },
    ]);
    expect(moved).toBe(true);
    const after = await store.getChunk(before!.id);
    expect(after).toMatchObject({ id: before!.id, path: "src/new.md", url: "https://docs.example/new#moved", updatedAt: "2026-11-20" });
    // Gone, a chunk count that no longer lines up, or another title: the caller re-ingests instead.
    expect(await store.moveDocument("src/old.md", document("src/other.md", "same"), [])).toBe(false);
    expect(await store.moveDocument("src/new.md", { ...document("src/other.md", "same"), title: "Title of src/old.md" }, [])).toBe(false);
    const retitled = { ...document("src/other.md", "same"), title: "Another title" };
    expect(await store.moveDocument("src/new.md", retitled, [chunk("src/other.md", 0, "Moved", "Moving text")])).toBe(false);
    expect((await store.listDocuments()).map((entry) => entry.path)).toContain("src/new.md");
  });

  it("records sources, keeps the last good revision beside a failure, counts documents per prefix and removes a source", async () => {
    const spec = { name: "src", git: "https://example.com/r.git" };
    await store.recordSource({ name: "src", kind: "git", location: "https://example.com/r.git", spec, revision: "abc", summary: { added: 1 } });
    await store.recordSource({ name: "src", kind: "git", location: "https://example.com/r.git", spec, error: "could not fetch" });
    const [record] = await store.listSources();
    expect(record).toMatchObject({ name: "src", kind: "git", spec, revision: "abc", summary: { added: 1 }, error: "could not fetch" });
    expect(record!.syncedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(record!.errorAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    await store.replaceDocument(document("a_b/a.md", "1"), [chunk("a_b/a.md", 0, "Other", "Another source's text")]);
    await store.replaceDocument(document("axb/a.md", "1"), [chunk("axb/a.md", 0, "Other", "A third source's text")]);
    const counts = await store.countDocumentsByPrefix(["src/", "a_b/", "none/"]);
    // `_` is not a LIKE wildcard here: "a_b/" does not count (or, below, remove) "axb/".
    expect(Object.fromEntries(counts)).toEqual({ "src/": 1, "a_b/": 1, "none/": 0 });
    expect(await store.removeSource("src")).toBe(1);
    expect(await store.listSources()).toEqual([]);
    expect(await store.removeSource("a_b")).toBe(1);
    expect(Object.fromEntries(await store.countDocumentsByPrefix(["src/", "a_b/", "axb/"]))).toEqual({ "src/": 0, "a_b/": 0, "axb/": 1 });
  });
});

describe("PGlite on disk", () => {
  it("persists across opens, holds the data-dir lock while open, and getStore() opens once per process", async () => {
    const { mkdtempSync, existsSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const path = await import("node:path");
    const { resetEnvForTests } = await import("@/src/server/env");
    const { getStore, closeSharedStore } = await import("@/src/server/rag/store");
    const dataDir = mkdtempSync(path.join(tmpdir(), "quire-store-"));
    const previous = process.env.QUIRE_DATA_DIR;
    process.env.QUIRE_DATA_DIR = dataDir;
    delete process.env.DATABASE_URL;
    resetEnvForTests();
    try {
      const first = getStore();
      expect(getStore()).toBe(first);
      const store = await first;
      expect(store.location).toBe(path.join(dataDir, "index"));
      expect(existsSync(path.join(dataDir, "quire.lock"))).toBe(true);
      await expect(openStore({ dataDir: path.join(dataDir, "index") })).rejects.toThrow(/The Quire server \(pid \d+\) owns/);
      await store.replaceDocument(document("kept.md", "c1"), [chunk("kept.md", 0, "Kept", "Persisted text")]);
      await closeSharedStore();
      expect(existsSync(path.join(dataDir, "quire.lock"))).toBe(false);
      const reopened = await openStore({ dataDir: path.join(dataDir, "index"), readOnly: true });
      expect(await reopened.listDocuments()).toEqual([{ path: "kept.md", checksum: "c1" }]);
      await expect(reopened.removeDocuments(["kept.md"])).rejects.toThrow(/read-only/);
      await reopened.close();
      // An index at an older schema version cannot be opened read-only (that would migrate it), and says so.
      const writable = await openStore({ dataDir: path.join(dataDir, "index") });
      await writable.close();
      const { openPgliteClient } = await import("@/src/server/rag/store/pglite-client");
      const raw = await openPgliteClient(path.join(dataDir, "index"));
      await raw.exec("DELETE FROM quire_migrations WHERE version = (SELECT max(version) FROM quire_migrations)");
      await raw.close();
      await expect(openStore({ dataDir: path.join(dataDir, "index"), readOnly: true })).rejects.toThrow(/written by an older version of Quire/);
    } finally {
      process.env.QUIRE_DATA_DIR = previous;
      resetEnvForTests();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
