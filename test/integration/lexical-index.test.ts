import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyzeChunk, analyzeQuery, ANALYZER_VERSION, type AnalyzedChunk } from "@/src/server/rag/lexical/analyze";
import { BM25, idf, termScore, type CorpusStatistics } from "@/src/server/rag/lexical/bm25";
import { openStore, type KnowledgeStore } from "@/src/server/rag/store";
import { createKnowledgeStore } from "@/src/server/rag/store/knowledge-store";
import type { TextSearchResult } from "@/src/server/rag/store/lexical-index";
import { openPgliteClient } from "@/src/server/rag/store/pglite-client";
import { migrate } from "@/src/server/rag/store/schema";
import type { SqlClient } from "@/src/server/rag/store/sql-client";
import { chunkUrl, lexicalChunks, lexicalDocuments, writeLexicalFixtures } from "@/test/integration/support/lexical-fixtures";

/**
 * The full-text index end to end on PGlite: the BM25F that the SQL computes is
 * the formula of bm25.ts over the terms of analyze.ts (scores compared with a JS
 * reference over the same chunks), and the ranking rules, typo correction, the
 * analyzer-upgrade rebuild and deletions behave as specified.
 */

interface ReferenceChunk {
  url: string;
  analyzed: AnalyzedChunk;
}

const reference: ReferenceChunk[] = lexicalChunks.map((chunk) => ({ url: chunk.url ?? "", analyzed: analyzeChunk(chunk) }));
const statistics: CorpusStatistics = {
  chunks: reference.length,
  averageBodyLength: reference.reduce((sum, chunk) => sum + chunk.analyzed.bodyLength, 0) / reference.length,
};

function documentFrequency(term: string): number {
  return reference.filter((chunk) => chunk.analyzed.terms.has(term)).length;
}

/** The JS reference ranking: every chunk that contains a query term, best first (ties in the order written, like the ids). */
function referenceRanking(terms: readonly { term: string; weight: number }[]): { url: string; score: number }[] {
  const ranked: { url: string; score: number; index: number }[] = [];
  reference.forEach((chunk, index) => {
    let score = 0;
    let matched = false;
    for (const { term, weight } of terms) {
      const frequencies = chunk.analyzed.terms.get(term);
      if (frequencies === undefined) continue;
      matched = true;
      score += termScore({
        frequencies,
        bodyLength: chunk.analyzed.bodyLength,
        documentFrequency: documentFrequency(term),
        queryWeight: weight,
        statistics,
      });
    }
    if (matched) ranked.push({ url: chunk.url, score, index });
  });
  ranked.sort((left, right) => right.score - left.score || left.index - right.index);
  return ranked.map(({ url, score }) => ({ url, score }));
}

function expectScoresToMatch(result: TextSearchResult, expected: readonly { url: string; score: number }[]): void {
  expect(result.hits.map((hit) => hit.url)).toEqual(expected.map((entry) => entry.url));
  result.hits.forEach((hit, index) => expect(hit.score).toBeCloseTo(expected[index]!.score, 4));
}

describe("full-text index on PGlite (BM25F in SQL)", () => {
  let store: KnowledgeStore;

  beforeAll(async () => {
    store = await openStore({ inMemory: true });
    await writeLexicalFixtures(store);
  });
  afterAll(async () => {
    await store?.close();
  });

  it.each([
    "node",
    "replication",
    "storage",
    "dataWorkerCount",
    "how many node votes make a quorum for replication",
    "count the data rows",
    "queues and --jobs",
    "heading fence",
  ])("scores %j exactly as the JS formula over the analyzer's terms", async (question) => {
    const result = await store.searchText(question, 50);
    const terms = analyzeQuery(question);
    expect(result.chunks).toBe(statistics.chunks);
    expect(result.terms).toEqual(
      terms.map((term) => ({
        term: term.term,
        surface: term.surface,
        weight: term.weight,
        df: documentFrequency(term.term),
        idf: idf(documentFrequency(term.term), statistics.chunks),
      })),
    );
    const expected = referenceRanking(terms);
    expect(expected.length).toBeGreaterThan(0);
    expectScoresToMatch(result, expected);
    for (const hit of result.hits) {
      const analyzed = reference.find((chunk) => chunk.url === hit.url)!.analyzed;
      expect(hit.matchedTerms).toEqual(terms.map((term) => term.term).filter((term) => analyzed.terms.has(term)).sort());
    }
  });

  it("returns only the k best", async () => {
    const all = await store.searchText("node", 50);
    const top = await store.searchText("node", 2);
    expect(all.hits).toHaveLength(lexicalChunks.length);
    expect(top.hits.map((hit) => hit.id)).toEqual(all.hits.slice(0, 2).map((hit) => hit.id));
  });

  it("weighs a rare word above one that every chunk contains (IDF)", async () => {
    const result = await store.searchText("node quorum", 10);
    const node = result.terms.find((term) => term.term === "node")!;
    const quorum = result.terms.find((term) => term.term === "quorum")!;
    expect(node).toMatchObject({ df: lexicalChunks.length });
    expect(quorum).toMatchObject({ df: 1 });
    expect(quorum.idf).toBeGreaterThan(10 * node.idf);
    // The sizing chunk says "node" six times, the failover chunk twice, yet the one "quorum" wins.
    expect(result.hits[0]?.url).toBe(chunkUrl("cluster.md", 1));
    expect(result.hits[0]!.score).toBeGreaterThan(2 * result.hits[1]!.score);
    const sizing = result.hits.find((hit) => hit.url === chunkUrl("cluster.md", 2));
    expect(sizing?.matchedTerms).toEqual(["node"]);
  });

  it("ranks a heading or title match above a body-only match", async () => {
    const replication = await store.searchText("replication", 10);
    // The heading "Replication" (its chunk's body never says it) beats the body mention in "Failover".
    expect(replication.hits.map((hit) => hit.url)).toEqual([chunkUrl("cluster.md", 0), chunkUrl("cluster.md", 1)]);
    const storage = await store.searchText("storage", 10);
    // The page title "Storage" beats "scale storage" in the sizing chunk's body.
    expect(storage.hits.map((hit) => hit.url)).toEqual([chunkUrl("storage.md", 0), chunkUrl("storage.md", 1), chunkUrl("cluster.md", 2)]);
    expect(storage.hits[1]!.score).toBeGreaterThan(storage.hits[2]!.score);
  });

  it("finds an identifier written whole before chunks that only contain its parts", async () => {
    const result = await store.searchText("what is dataWorkerCount", 10);
    expect(result.terms.map((term) => [term.term, term.weight])).toEqual([
      ["dataworkercount", 1],
      ["data", 0.5],
      ["worker", 0.5],
      ["count", 0.5],
    ]);
    expect(result.hits[0]).toMatchObject({ url: chunkUrl("workers.md", 0), matchedTerms: ["count", "data", "dataworkercount", "worker"] });
    const partsOnly = result.hits.find((hit) => hit.url === chunkUrl("storage.md", 1));
    expect(partsOnly?.matchedTerms).toEqual(["count", "data"]);
    expect(result.hits[0]!.score).toBeGreaterThan(partsOnly!.score);
  });

  it('corrects "bukcet" to the vocabulary\'s "bucket" and finds its chunk', async () => {
    const result = await store.searchText("where is the bukcet", 10);
    expect(result.terms).toEqual([
      {
        term: "bucket",
        surface: "bukcet",
        weight: BM25.correctedWeight,
        df: 1,
        idf: idf(1, statistics.chunks),
        correctedFrom: "bukcet",
        correctedWord: "bucket",
      },
    ]);
    expect(result.hits.map((hit) => hit.url)).toEqual([chunkUrl("storage.md", 0)]);
    // A corrected term scores like the right one at the corrected weight.
    expectScoresToMatch(result, referenceRanking([{ term: "bucket", weight: BM25.correctedWeight }]));
    const mixed = await store.searchText("bukcet upload limits", 10);
    expectScoresToMatch(mixed, referenceRanking(mixed.terms.map(({ term, weight }) => ({ term, weight }))));
    expect(mixed.terms.map((term) => [term.term, term.correctedFrom])).toEqual([
      ["bucket", "bukcet"],
      ["upload", undefined],
      ["limit", undefined],
    ]);
  });

  it("leaves a made-up word far from every term uncorrected", async () => {
    const result = await store.searchText("zzqxv", 10);
    expect(result).toEqual({ hits: [], chunks: statistics.chunks, terms: [{ term: "zzqxv", surface: "zzqxv", weight: 1, df: 0, idf: idf(0, statistics.chunks) }] });
  });
});

describe("full-text index maintenance (PGlite through the lower layers)", () => {
  let client: SqlClient;
  let store: KnowledgeStore;

  const count = async (sql: string): Promise<number> => Number((await client.query(sql))[0]?.count);

  beforeAll(async () => {
    client = await openPgliteClient(undefined);
    await migrate(client);
    store = createKnowledgeStore(client, { location: "memory", readOnly: false, exclusive: (work) => work() });
    await writeLexicalFixtures(store);
  });
  afterAll(async () => {
    await store?.close();
  });

  it("rebuilds the postings once after an analyzer upgrade", async () => {
    const before = await store.searchText("bukcet quorum dataWorkerCount", 10);
    const postings = await count("SELECT count(*)::int AS count FROM chunk_terms");
    expect(postings).toBeGreaterThan(0);
    expect(await store.upgradeLexicalIndex()).toBe(false);

    // An index written by an older analyzer: its version in quire_meta, and postings that no longer match.
    const updated = await client.query("UPDATE quire_meta SET value = $1::jsonb WHERE key = 'lexicon' RETURNING key", [
      JSON.stringify({ analyzerVersion: ANALYZER_VERSION - 1, terms: 0 }),
    ]);
    expect(updated).toHaveLength(1);
    await client.exec("DELETE FROM chunk_terms");
    expect((await store.searchText("quorum", 10)).hits).toEqual([]);

    expect(await store.upgradeLexicalIndex()).toBe(true);
    expect(await count("SELECT count(*)::int AS count FROM chunk_terms")).toBe(postings);
    await store.refreshLexicon();
    const meta = await client.query("SELECT value FROM quire_meta WHERE key = 'lexicon'");
    expect(meta[0]?.value).toMatchObject({ analyzerVersion: ANALYZER_VERSION });
    const after = await store.searchText("bukcet quorum dataWorkerCount", 10);
    expect(after).toEqual(before);
    expect(await store.upgradeLexicalIndex()).toBe(false);
  });

  it("asks for a refresh, without rebuilding the postings, of an index refreshed before the packed posting lists", async () => {
    expect(await store.upgradeLexicalIndex()).toBe(false);
    const postings = await count("SELECT count(*)::int AS count FROM chunk_terms");
    // What a version without the lists recorded: no `impacts` in the meta, no lists.
    await client.exec("UPDATE quire_meta SET value = value - 'impacts' WHERE key = 'lexicon'");
    await client.exec("DELETE FROM term_impacts");
    const before = await store.searchText("bukcet quorum dataWorkerCount", 10);
    expect(await store.upgradeLexicalIndex()).toBe(true);
    expect(await count("SELECT count(*)::int AS count FROM chunk_terms")).toBe(postings);
    await store.refreshLexicon();
    expect(await count("SELECT count(*)::int AS count FROM term_impacts")).toBeGreaterThan(0);
    expect(await store.upgradeLexicalIndex()).toBe(false);
    expect(await store.searchText("bukcet quorum dataWorkerCount", 10)).toEqual(before);
  });

  it("drops the postings of a removed or replaced document", async () => {
    expect((await store.searchText("bucket", 10)).hits.map((hit) => hit.path)).toEqual(["storage.md"]);
    const storagePostings = await count(
      "SELECT count(*)::int AS count FROM chunk_terms p JOIN chunks c ON c.id = p.chunk_id JOIN documents d ON d.id = c.document_id WHERE d.path = 'storage.md'",
    );
    const total = await count("SELECT count(*)::int AS count FROM chunk_terms");
    expect(await store.removeDocuments(["storage.md"])).toBe(1);
    expect(await count("SELECT count(*)::int AS count FROM chunk_terms")).toBe(total - storagePostings);
    expect(await count("SELECT count(*)::int AS count FROM chunk_terms p WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.id = p.chunk_id)")).toBe(0);
    await store.refreshLexicon();
    const gone = await store.searchText("bucket paging", 10);
    expect(gone.hits).toEqual([]);
    expect(gone.terms.map((term) => term.df)).toEqual([0, 0]);
    expect(await count("SELECT count(*)::int AS count FROM lexicon WHERE term = 'bucket'")).toBe(0);

    // Replacing a document swaps its postings: the old chunks' words are gone, the new ones found.
    const workers = lexicalDocuments.find((document) => document.record.path === "workers.md")!;
    await store.replaceDocument(workers.record, [{ ...workers.chunks[0]!, text: "Set threadPoolSize to the number of cores." }]);
    await store.refreshLexicon();
    const replaced = await store.searchText("dataWorkerCount", 10);
    expect(replaced.terms[0]).toMatchObject({ term: "dataworkercount", df: 0 });
    expect(replaced.hits.flatMap((hit) => hit.matchedTerms)).not.toContain("dataworkercount");
    expect((await store.searchText("threadPoolSize", 10)).hits[0]).toMatchObject({ path: "workers.md", text: "Set threadPoolSize to the number of cores." });
  });
});
