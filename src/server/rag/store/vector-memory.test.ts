import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createKnowledgeStore, type KnowledgeStore } from "@/src/server/rag/store/knowledge-store";
import { openAnnouncingStore } from "@/test/support/announcing-store";
import { openPgliteClient } from "@/src/server/rag/store/pglite-client";
import { createSearchEpoch, type SearchEpoch } from "@/src/server/rag/store/search-memory";
import { openPgliteThreadClient } from "@/src/server/rag/store/pglite-thread";
import { migrate } from "@/src/server/rag/store/schema";
import type { SqlClient } from "@/src/server/rag/store/sql-client";
import { createVectorMemory, nearestRows, type VectorMemory } from "@/src/server/rag/store/vector-memory";
import type { Chunk } from "@/src/server/rag/types";
import { createDotKernel } from "@/src/server/rag/store/dot-kernel";

const MODEL = "test/vectors";
const DIMENSIONS = 24;

/** Deterministic pseudo-random vectors (a linear congruential generator), signed, never all zero. */
function vectorOf(seed: number): number[] {
  let state = seed * 2_654_435_761 + 1;
  return Array.from({ length: DIMENSIONS }, () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 1_073_741_824 - 1;
  });
}

function chunkOf(path: string, ordinal: number): Chunk {
  return { path, ordinal, title: path, heading: `Part ${ordinal}`, url: null, text: `${path} part ${ordinal}`, tokenCount: 3 };
}

async function addDocument(store: KnowledgeStore, path: string, chunks: number, seed: number): Promise<void> {
  await store.replaceDocument(
    { path, title: path, url: null, date: null, checksum: `${path}-${seed}` },
    Array.from({ length: chunks }, (_, ordinal) => chunkOf(path, ordinal)),
  );
  const pending = await store.pendingEmbeddings(10_000);
  await store.saveEmbeddings(pending.map((row, index) => ({ chunkId: row.id, embedding: vectorOf(seed + index) })));
}

/** The SQL search's rows, as store-reads.ts sends it, to compare with and to fall back on. */
async function sqlRows(client: SqlClient, embedding: number[], k: number, model = MODEL): Promise<Record<string, unknown>[]> {
  // The exact scan: the HNSW index could miss a neighbour, and the memory search is exact.
  return client.transaction(async (executor) => {
    await executor.exec("SET LOCAL enable_indexscan = off");
    return executor.query(
      `WITH space AS MATERIALIZED (SELECT (SELECT value FROM quire_meta WHERE key = 'embedding') AS value),
        nearest AS MATERIALIZED (SELECT chunk_id, embedding <=> $1::vector AS distance FROM chunk_vectors
          WHERE (SELECT lower(value->>'model') = lower($3) FROM space) ORDER BY embedding <=> $1::vector LIMIT $2)
      SELECT space.value AS space, hit.* FROM space LEFT JOIN LATERAL (
        SELECT c.id::text AS id, (SELECT d.path FROM documents d WHERE d.id = c.document_id) AS path, c.title, c.heading, c.url, c.content,
               (1 - nearest.distance)::float8 AS score, nearest.distance
        FROM nearest JOIN chunks c ON c.id = nearest.chunk_id) AS hit ON true
      ORDER BY hit.distance, hit.id`,
      [JSON.stringify(embedding), k, model],
    );
  });
}

describe("vectors held in memory (the embedded store's worker thread)", () => {
  let client: SqlClient;
  let store: KnowledgeStore;
  let statements: string[];
  let memory: VectorMemory;
  let epoch: SearchEpoch | undefined;
  let fallbacks: number;
  /** Each test's memory, with its own epoch, on the database's announcements (as pglite-worker.ts wires them). */
  const remember = (run = (text: string, params?: unknown[]) => (statements.push(text), client.query(text, params)), options = {}) => {
    epoch = createSearchEpoch((text, params) => client.query(text, params));
    memory = createVectorMemory(run, epoch, { loadIntervalMs: 0, ...options });
  };

  const search = (embedding: number[], k = 5, model = MODEL) =>
    memory.nearest({ embedding, model, k }, () => {
      fallbacks++;
      return sqlRows(client, embedding, k, model);
    });

  beforeAll(async () => {
    // The setup below writes before the first test makes its epoch.
    ({ client, store } = await openAnnouncingStore(() => epoch?.changed()));
    await store.useEmbeddingSpace({ model: MODEL, dimensions: DIMENSIONS });
    for (let document = 0; document < 8; document++) await addDocument(store, `doc-${document}.md`, 10, document * 100);
  }, 60_000);
  afterAll(() => store.close());

  beforeEach(() => {
    statements = [];
    fallbacks = 0;
    remember();
  });

  it("answers the first search in SQL, loads the vectors, then answers from memory with the same rows", async () => {
    const query = vectorOf(7_777);
    const first = await search(query);
    expect(fallbacks).toBe(1);
    expect(first.length).toBe(5);
    await memory.idle();
    expect(memory.loadedGeneration()).not.toBeNull();

    const expected = await sqlRows(client, query, 5);
    statements.length = 0;
    const fromMemory = await search(query);
    expect(fallbacks).toBe(1);
    // No statement at all: the announcements say that nothing was written.
    expect(statements).toEqual([]);
    expect(fromMemory.map((row) => row.id)).toEqual(expected.map((row) => row.id));
    fromMemory.forEach((row, index) => {
      const sql = expected[index]!;
      expect({ ...row, score: undefined, distance: undefined }).toEqual({ ...sql, score: undefined, distance: undefined });
      expect(row.score).toBeCloseTo(Number(sql.score), 5);
      expect(row.distance).toBeCloseTo(Number(sql.distance), 5);
    });
  });

  it("ranks exactly as the exact SQL scan over many queries", async () => {
    await search(vectorOf(1));
    await memory.idle();
    for (let seed = 0; seed < 25; seed++) {
      const query = vectorOf(50_000 + seed);
      const [fromMemory, expected] = [await search(query, 12), await sqlRows(client, query, 12)];
      expect(fromMemory.map((row) => row.id)).toEqual(expected.map((row) => row.id));
    }
    expect(fallbacks).toBe(1);
  });

  it("sees a new vector at once, and one that is gone, falling back to SQL until it has loaded again", async () => {
    await search(vectorOf(3));
    await memory.idle();
    const before = memory.loadedGeneration();

    // The new document's first vector is the query itself: it must come first.
    await addDocument(store, "new.md", 2, 90_000);
    const query = vectorOf(90_000);
    const afterWrite = await search(query);
    expect(afterWrite[0]?.path).toBe("new.md");
    expect(fallbacks).toBe(2);
    await memory.idle();
    expect(memory.loadedGeneration()).not.toBe(before);
    expect((await search(query))[0]?.path).toBe("new.md");
    expect(fallbacks).toBe(2);

    // Removing the document deletes its vectors by cascade, which bumps the generation too.
    await store.removeDocuments(["new.md"]);
    const afterRemove = await search(query);
    expect(afterRemove.map((row) => row.path)).not.toContain("new.md");
    expect(fallbacks).toBe(3);
  });

  it("returns a moved document under its new path at once (the text held beside the vectors)", async () => {
    await addDocument(store, "old-name.md", 1, 70_000);
    const query = vectorOf(70_000);
    await search(query);
    await memory.idle();
    expect((await search(query))[0]?.path).toBe("old-name.md");
    const moved = await store.moveDocument(
      "old-name.md",
      { path: "new-name.md", title: "old-name.md", url: null, date: null, checksum: "old-name.md-70000" },
      [chunkOf("new-name.md", 0)],
    );
    expect(moved).toBe(true);
    expect((await search(query))[0]?.path).toBe("new-name.md");
    await store.removeDocuments(["new-name.md"]);
  });

  it("gives chunks' rows by id from memory, as the statement would, and falls back when one is missing or a write came", async () => {
    const rowsSql = `SELECT c.id::text AS id, (SELECT d.path FROM documents d WHERE d.id = c.document_id) AS path, c.title, c.heading, c.url, c.content
      FROM chunks c WHERE c.id = ANY($1::bigint[])`;
    const byStatement = (ids: readonly string[]) => () => {
      fallbacks++;
      return client.query(rowsSql, [ids]);
    };
    const sorted = (rows: Record<string, unknown>[]) => [...rows].sort((left, right) => String(left.id).localeCompare(String(right.id)));
    await search(vectorOf(12));
    await memory.idle();
    fallbacks = 0;
    const ids = (await client.query("SELECT chunk_id::text AS id FROM chunk_vectors ORDER BY chunk_id DESC LIMIT 7")).map((row) => String(row.id));
    statements.length = 0;
    const fromMemory = await memory.chunkRows(ids, byStatement(ids));
    expect(fallbacks).toBe(0);
    expect(statements).toEqual([]);
    expect(sorted(fromMemory)).toEqual(sorted(await client.query(rowsSql, [ids])));

    // A chunk without a vector is not held: the statement answers.
    await store.replaceDocument({ path: "unembedded.md", title: "u", url: null, date: null, checksum: "u" }, [chunkOf("unembedded.md", 0)]);
    const [unembedded] = await client.query("SELECT c.id::text AS id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.path = 'unembedded.md'");
    const withUnembedded = [...ids, String(unembedded?.id)];
    expect(sorted(await memory.chunkRows(withUnembedded, byStatement(withUnembedded)))).toEqual(sorted(await client.query(rowsSql, [withUnembedded])));
    expect(fallbacks).toBe(1);
    await store.removeDocuments(["unembedded.md"]);

    // After a write that changes a returned column, the statement answers (and sees it).
    await client.query("UPDATE chunks SET heading = 'Renamed' WHERE id = $1", [ids[0]]);
    const afterWrite = await memory.chunkRows(ids, byStatement(ids));
    expect(fallbacks).toBe(2);
    expect(afterWrite.find((row) => row.id === ids[0])?.heading).toBe("Renamed");
  });

  it("sees a document's new path alone, and a TRUNCATE of the vectors", async () => {
    await addDocument(store, "path-only.md", 1, 80_000);
    const query = vectorOf(80_000);
    await search(query);
    await memory.idle();
    expect((await search(query))[0]?.path).toBe("path-only.md");
    await client.query("UPDATE documents SET path = 'path-renamed.md' WHERE path = 'path-only.md'");
    expect((await search(query))[0]?.path).toBe("path-renamed.md");
    await memory.idle();
    const saved = await client.query("SELECT chunk_id, embedding FROM chunk_vectors");
    await client.exec("TRUNCATE chunk_vectors");
    const afterTruncate = await search(query);
    expect(afterTruncate.filter((row) => row.id != null)).toEqual([]);
    // Put the vectors back for the other tests.
    for (const row of saved) await client.query("INSERT INTO chunk_vectors (chunk_id, embedding) VALUES ($1, $2)", [row.chunk_id, row.embedding]);
    await store.removeDocuments(["path-renamed.md"]);
  });

  it("holds nothing when the vector table lacks its trigger (it could go stale unseen)", async () => {
    await client.exec("DROP TRIGGER chunk_vectors_search_generation ON chunk_vectors");
    try {
      await search(vectorOf(13));
      await memory.idle();
      expect(memory.loadedGeneration()).toBeNull();
    } finally {
      await client.exec(`CREATE TRIGGER chunk_vectors_search_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chunk_vectors
        FOR EACH STATEMENT EXECUTE FUNCTION quire_bump_search_generation()`);
    }
  });

  it("is not fooled by a write that rolls back", async () => {
    await search(vectorOf(4));
    await memory.idle();
    const generation = memory.loadedGeneration();
    await expect(
      client.transaction(async (executor) => {
        await executor.query("DELETE FROM chunk_vectors");
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    const rows = await search(vectorOf(5));
    expect(rows).toHaveLength(5);
    expect(memory.loadedGeneration()).toBe(generation);
    expect(fallbacks).toBe(1);
  });

  it("leaves a query of another model or dimension to SQL (which finds nothing)", async () => {
    await search(vectorOf(6));
    await memory.idle();
    const otherModel = await search(vectorOf(6), 5, "other/model");
    expect(fallbacks).toBe(2);
    expect(otherModel).toHaveLength(1);
    expect(otherModel[0]?.id).toBeNull();
    expect(otherModel[0]?.space).toEqual({ model: MODEL, dimensions: DIMENSIONS });
  });

  it("holds nothing for an index larger than its limit", async () => {
    remember(undefined, { maxVectors: 10 });
    await search(vectorOf(8));
    await memory.idle();
    expect(memory.loadedGeneration()).toBeNull();
    await search(vectorOf(9));
    expect(fallbacks).toBe(2);
  });

  it("throws away a load during which the vectors changed", async () => {
    let writeDuringLoad = true;
    remember(async (text, params) => {
      const rows = await client.query(text, params);
      if (writeDuringLoad && text.includes("vector_send")) {
        writeDuringLoad = false;
        await client.query("UPDATE chunk_vectors SET embedding = embedding WHERE chunk_id = (SELECT min(chunk_id) FROM chunk_vectors)");
      }
      return rows;
    });
    await search(vectorOf(10));
    await memory.idle();
    expect(memory.loadedGeneration()).toBeNull();
    // The next search loads again, at the new generation.
    await search(vectorOf(11));
    await memory.idle();
    expect(memory.loadedGeneration()).not.toBeNull();
  });
});

describe("an index from before the search generation (schema 5)", () => {
  it("gets the generation and its triggers, on a vector table that already exists", { timeout: 60_000 }, async () => {
    const client = await openPgliteClient(undefined);
    const store = createKnowledgeStore(client, { location: "memory", readOnly: false, exclusive: (work) => work() });
    try {
      await migrate(client);
      await store.useEmbeddingSpace({ model: MODEL, dimensions: DIMENSIONS });
      // Back to schema 5: no generation, no triggers, with the vector table in place.
      await client.exec(`DROP TRIGGER chunk_vectors_search_generation ON chunk_vectors;
        DROP TRIGGER chunks_search_generation ON chunks; DROP TRIGGER documents_search_generation ON documents;
        DROP TRIGGER term_impacts_search_generation ON term_impacts; DROP TRIGGER quire_meta_search_announce ON quire_meta;
        DROP FUNCTION quire_bump_search_generation(); DROP FUNCTION quire_announce_search(); DELETE FROM quire_meta WHERE key = 'search_generation';
        DELETE FROM quire_migrations WHERE version = 6;`);
      await migrate(client);
      const generation = async () => (await client.query("SELECT value #>> '{}' AS value FROM quire_meta WHERE key = 'search_generation'"))[0]?.value;
      expect(await generation()).toBe("0");
      await addDocument(store, "doc.md", 2, 1);
      expect(Number(await generation())).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });
});

describe("nearestRows", () => {
  const loaded = (rows: number[][]) => {
    const kernel = createDotKernel(rows.length, 2);
    rows.forEach((row, index) => kernel.row(index).set(row.map((value) => value / Math.hypot(...row))));
    return { ids: rows.map((_, index) => String(index + 1)), kernel, usable: Uint8Array.from(rows, () => 1) };
  };

  it("orders by cosine distance, then by id as text, and returns at most k", () => {
    const hits = nearestRows(loaded([[1, 0], [0, 1], [1, 1], [2, 0], [-1, 0]]), [1, 0], 3);
    expect(hits.map((hit) => hit.id)).toEqual(["1", "4", "3"]);
    expect(hits[0]?.distance).toBeCloseTo(0, 6);
    expect(hits[2]?.distance).toBeCloseTo(1 - Math.SQRT1_2, 6);
  });

  it("breaks ties by id as text, as the SQL search orders them ('10' before '9')", () => {
    const rows = Array.from({ length: 10 }, () => [1, 0]);
    expect(nearestRows(loaded(rows), [1, 0], 3).map((hit) => hit.id)).toEqual(["1", "10", "2"]);
  });

  it("returns nothing for k = 0, or a zero or mis-sized query", () => {
    expect(nearestRows(loaded([[1, 0]]), [1, 0], 0)).toEqual([]);
    expect(nearestRows(loaded([[1, 0]]), [0, 0], 3)).toEqual([]);
    expect(nearestRows(loaded([[1, 0]]), [1, 0, 0], 3)).toEqual([]);
  });
});

describe("the worker thread's store answers from memory, and sees writes at once", () => {
  let store: KnowledgeStore;

  beforeAll(async () => {
    const client = await openPgliteThreadClient(undefined);
    await migrate(client);
    store = createKnowledgeStore(client, { location: "memory", readOnly: false, exclusive: (work) => work() });
    await store.useEmbeddingSpace({ model: MODEL, dimensions: DIMENSIONS });
    for (let document = 0; document < 4; document++) await addDocument(store, `doc-${document}.md`, 10, document * 100);
  }, 60_000);
  afterAll(() => store.close());

  it("finds the same chunks as the exact search, before and after a write", async () => {
    const query = vectorOf(4_242);
    const exact = await store.searchVector(query, 5, { exact: true });
    // The first search loads the vectors; the later ones are answered from memory.
    for (let round = 0; round < 3; round++) {
      const found = await store.searchVectorInSpace({ embedding: query, model: MODEL }, 5);
      expect(found.space).toEqual({ model: MODEL, dimensions: DIMENSIONS });
      expect(found.chunks.map((chunk) => chunk.id)).toEqual(exact.map((chunk) => chunk.id));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await addDocument(store, "fresh.md", 1, 4_242);
    const found = await store.searchVectorInSpace({ embedding: query, model: MODEL }, 5);
    expect(found.chunks[0]?.path).toBe("fresh.md");
    await store.removeDocuments(["fresh.md"]);
    const again = await store.searchVectorInSpace({ embedding: query, model: MODEL }, 5);
    expect(again.chunks.map((chunk) => chunk.id)).toEqual(exact.map((chunk) => chunk.id));
  });
});
