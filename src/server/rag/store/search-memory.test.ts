import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createKnowledgeStore, type KnowledgeStore } from "@/src/server/rag/store/knowledge-store";
import { openAnnouncingStore } from "@/test/support/announcing-store";
import { searchLexical } from "@/src/server/rag/store/lexical-index";
import { openPgliteThreadClient } from "@/src/server/rag/store/pglite-thread";
import { migrate } from "@/src/server/rag/store/schema";
import { createReadCache, createSearchEpoch, keyedRead, type ReadCache, type SearchEpoch } from "@/src/server/rag/store/search-memory";
import type { SqlClient } from "@/src/server/rag/store/sql-client";
import type { Chunk } from "@/src/server/rag/types";

const TOPICS = ["bucket storage", "node rewards", "key backup", "token supply", "network consensus", "proof of meaningful work"];

function chunksOf(path: string, count: number, extra = ""): Chunk[] {
  return Array.from({ length: count }, (_, ordinal) => {
    const text = `${TOPICS[ordinal % TOPICS.length]} explained, part ${ordinal} of ${path}. ${extra}`;
    return { path, ordinal, title: path, heading: `Section ${ordinal}`, url: null, text, tokenCount: text.split(" ").length };
  });
}

async function addDocument(store: KnowledgeStore, path: string, count: number, extra = ""): Promise<void> {
  await store.replaceDocument({ path, title: path, url: null, date: null, checksum: `${path}-${extra}` }, chunksOf(path, count, extra));
  await store.refreshLexicon();
}

const QUESTIONS = ["How is bucket storage explained?", "node rewards", "backup of a key", "token supply and consensus", "zebra"];

describe("full text's lists and rows kept between searches (the embedded store's thread)", () => {
  let client: SqlClient;
  let store: KnowledgeStore;
  let epoch: SearchEpoch | undefined;
  let cache: ReadCache;
  let statements: string[];
  /** Each statement's first parameter. */
  let asked: unknown[];

  /** The store's SQL surface with the kept reads in front, as pglite-worker.ts serves them; `statements` counts what reaches SQL. */
  const cached = (): SqlClient => {
    const run = (text: string, params?: unknown[]) => (statements.push(text), asked.push(params?.[0]), client.query(text, params));
    // As the worker runs a keyed read for the keys not kept: in place of the first parameter.
    const some = (text: string, params: unknown[]) => (keys: readonly string[]) => run(text, [keys, ...params.slice(1)]);
    return {
      ...client,
      query: run,
      termLists: (text, params, terms) => cache.lists(terms, some(text, params)),
      keyedRows: (text, params, read) => cache.keyed(keyedRead(text, params, read), some(text, params)),
      chunkRows: (text, params, ids) => cache.keyed(keyedRead(text, params, { keys: ids, column: "id", keepEmpty: false }), some(text, params)),
    };
  };

  const remember = (options = {}) => {
    epoch = createSearchEpoch((text, params) => client.query(text, params));
    cache = createReadCache(epoch, options);
  };

  beforeAll(async () => {
    // The setup below writes before the first test makes its epoch.
    ({ client, store } = await openAnnouncingStore(() => epoch?.changed()));
    for (let document = 0; document < 4; document++) await addDocument(store, `doc-${document}.md`, 12);
  }, 60_000);
  afterAll(() => store.close());

  beforeEach(() => {
    statements = [];
    asked = [];
    remember();
  });

  it("answers a question asked again without a statement, exactly as SQL does", async () => {
    for (const question of QUESTIONS) {
      const expected = await searchLexical(client, question, 5);
      statements.length = 0;
      const first = await searchLexical(cached(), question, 5);
      expect(first).toEqual(expected);
      expect(statements.length).toBeGreaterThan(0);
      statements.length = 0;
      const again = await searchLexical(cached(), question, 5);
      expect(again).toEqual(expected);
      expect(statements).toEqual([]);
    }
  });

  it("reads no list again for a question whose terms were all asked before", async () => {
    await searchLexical(cached(), "bucket storage", 5);
    await searchLexical(cached(), "node rewards", 5);
    statements.length = 0;
    const mixed = await searchLexical(cached(), "rewards for storage nodes", 5);
    expect(mixed).toEqual(await searchLexical(client, "rewards for storage nodes", 5));
    expect(statements.filter((text) => text.includes("term_impacts"))).toEqual([]);
  });

  it("reads the list of a question's new word alone, and answers as SQL does", async () => {
    await searchLexical(cached(), "bucket storage", 5);
    statements.length = 0;
    asked.length = 0;
    const question = "bucket storage consensus";
    expect(await searchLexical(cached(), question, 5)).toEqual(await searchLexical(client, question, 5));
    const lists = statements.flatMap((text, index) => (text.includes("term_impacts") ? [asked[index]] : []));
    expect(lists).toEqual([["consensu"]]);
  });

  it("drops what it kept when a document is added, changed or removed, and finds the new text at once", async () => {
    const question = "where is the aardvark guide";
    expect((await searchLexical(cached(), question, 5)).hits).toEqual([]);
    await addDocument(store, "aardvark.md", 2, "The aardvark guide lives here.");
    const added = await searchLexical(cached(), question, 5);
    expect(added.hits[0]?.path).toBe("aardvark.md");
    expect(added).toEqual(await searchLexical(client, question, 5));

    await client.query("UPDATE chunks SET heading = 'Renamed' WHERE document_id = (SELECT id FROM documents WHERE path = 'aardvark.md')");
    expect((await searchLexical(cached(), question, 5)).hits[0]?.heading).toBe("Renamed");
    await client.query("UPDATE documents SET path = 'moved.md' WHERE path = 'aardvark.md'");
    expect((await searchLexical(cached(), question, 5)).hits[0]?.path).toBe("moved.md");

    await store.removeDocuments(["moved.md"]);
    await store.refreshLexicon();
    expect((await searchLexical(cached(), question, 5)).hits).toEqual([]);
  });

  it("drops its lists when the lexicon's control changes, as the lists statement would see it", async () => {
    await searchLexical(cached(), "node rewards", 5);
    await client.exec(`UPDATE quire_meta SET value = value - 'impacts' WHERE key = 'lexicon'`);
    try {
      statements.length = 0;
      await searchLexical(cached(), "node rewards", 5);
      // Not current any more: the lists statement, then another full-text path.
      expect(statements.length).toBeGreaterThan(1);
    } finally {
      await store.refreshLexicon();
    }
  });

  it("does not keep an answer read while a write was committed", async () => {
    let written = false;
    await cache.lists(["bucket"], async () => {
      const rows = await client.query(
        `SELECT 1::float8 AS chunks, 1::float8 AS average, true AS current, 'bucket' AS term, 1 AS df, 0.5::float8 AS idf, '' AS postings`,
      );
      await client.query("UPDATE chunks SET heading = heading WHERE id = (SELECT min(id) FROM chunks)");
      written = true;
      return rows;
    });
    expect(written).toBe(true);
    expect(cache.size().lists).toBe(0);
  });

  it("keeps nothing for a database that does not announce every write", async () => {
    await client.exec("DROP TRIGGER term_impacts_search_generation ON term_impacts");
    try {
      remember();
      await searchLexical(cached(), "key backup", 5);
      statements.length = 0;
      await searchLexical(cached(), "key backup", 5);
      expect(statements.length).toBeGreaterThan(0);
      expect(cache.size()).toEqual({ lists: 0, keys: 0 });
    } finally {
      await client.exec(`CREATE TRIGGER term_impacts_search_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON term_impacts
        FOR EACH STATEMENT EXECUTE FUNCTION quire_bump_search_generation()`);
    }
  });

  it("keeps within its budgets, the least recently used going first", async () => {
    remember({ maxKeys: 3, maxListChars: 0 });
    await searchLexical(cached(), "bucket storage", 5);
    expect(cache.size()).toEqual({ lists: 0, keys: 3 });
    // Too big to keep: each search reads again.
    statements.length = 0;
    await searchLexical(cached(), "bucket storage", 5);
    expect(statements.length).toBeGreaterThan(0);
  });

  it("does not keep an id the statement did not return, and keeps a term without candidates", async () => {
    const ids = ["1", "999999"];
    const sql = "SELECT c.id::text AS id, c.title FROM chunks c WHERE c.id = ANY($1::bigint[])";
    const rows = await cache.keyed(keyedRead(sql, [ids], { keys: ids, column: "id", keepEmpty: false }), () => client.query(sql, [ids]));
    expect(rows.map((row) => row.id)).toEqual(["1"]);
    expect(cache.size().keys).toBe(1);
    // A misspelling with no candidate at all is kept as such: asked again, no statement.
    await searchLexical(cached(), "qqqqzzzz", 5);
    statements.length = 0;
    await searchLexical(cached(), "qqqqzzzz", 5);
    expect(statements).toEqual([]);
  });
});

describe("the worker thread's full text, from kept lists, sees writes at once", () => {
  let store: KnowledgeStore;

  beforeAll(async () => {
    const client = await openPgliteThreadClient(undefined);
    await migrate(client);
    store = createKnowledgeStore(client, { location: "memory", readOnly: false, exclusive: (work) => work() });
    for (let document = 0; document < 3; document++) await addDocument(store, `doc-${document}.md`, 12);
  }, 60_000);
  afterAll(() => store.close());

  it("answers the same before and after it has kept the lists, and finds a document added later", async () => {
    const first = await store.searchText("bucket storage rewards", 5);
    expect(first.hits.length).toBe(5);
    expect(await store.searchText("bucket storage rewards", 5)).toEqual(first);
    await addDocument(store, "buckets.md", 1, "Bucket storage rewards bucket storage rewards, the whole story.");
    const after = await store.searchText("bucket storage rewards", 5);
    expect(after.hits[0]?.path).toBe("buckets.md");
    await store.removeDocuments(["buckets.md"]);
    await store.refreshLexicon();
    expect((await store.searchText("bucket storage rewards", 5)).hits.map((hit) => hit.id)).toEqual(first.hits.map((hit) => hit.id));
  });
});
