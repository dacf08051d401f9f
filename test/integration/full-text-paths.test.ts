import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "@/bench/lib/synthetic";
import { createKnowledgeStore } from "@/src/server/rag/store/knowledge-store";
import type { KnowledgeStore } from "@/src/server/rag/store";
import type { TextSearchResult } from "@/src/server/rag/store/lexical-index";
import { LIST_SIZE, PRUNED_SCORE_FUNCTION } from "@/src/server/rag/store/lexical-pruning";
import { openPgliteClient } from "@/src/server/rag/store/pglite-client";
import { migrate } from "@/src/server/rag/store/schema";
import type { SqlClient } from "@/src/server/rag/store/sql-client";
import type { Chunk } from "@/src/server/rag/types";

/**
 * The pruned full-text search (lexical-pruning.ts) must answer exactly as the full
 * scan. A corpus where many words are in more than LIST_SIZE chunks (so their
 * lists and bounds are used), random questions over it, and each answer compared
 * with the full scan's, which the search falls back to once the postings
 * generation moves (a write statement to the postings, here one that changes no row).
 */

const VOCABULARY = Array.from({ length: 80 }, (_, index) => `word${String.fromCharCode(97 + (index % 26))}${String.fromCharCode(97 + Math.floor(index / 26))}`);
const CHUNKS = 600;

/** Zipf-like: low ranks are common (in most chunks), high ranks rare. */
function pickWord(random: () => number): string {
  return VOCABULARY[Math.min(VOCABULARY.length - 1, Math.floor(VOCABULARY.length * random() ** 2.5))]!;
}

function randomChunks(random: () => number): Chunk[] {
  return Array.from({ length: CHUNKS }, (_, ordinal) => {
    const words = Array.from({ length: 5 + Math.floor(random() * 60) }, () => pickWord(random));
    return { path: "random.md", ordinal, title: `Random ${pickWord(random)}`, heading: `Random > ${pickWord(random)} ${pickWord(random)}`, url: null, text: words.join(" "), tokenCount: words.length };
  });
}

function randomQuestions(random: () => number, count: number): string[] {
  return Array.from({ length: count }, () => Array.from({ length: 1 + Math.floor(random() * 6) }, () => pickWord(random)).join(" "));
}

/** Every statement the store sends, to tell the pruned answer (1 statement) from the fallback (2). */
function counting(client: SqlClient): SqlClient & { statements: number } {
  const wrapped = {
    kind: client.kind,
    statements: 0,
    query: (text: string, params?: unknown[]) => (wrapped.statements++, client.query(text, params)),
    exec: (text: string) => (wrapped.statements++, client.exec(text)),
    transaction: client.transaction.bind(client),
    close: () => client.close(),
  };
  return wrapped;
}

describe("pruned full-text search (PGlite)", () => {
  let raw: SqlClient;
  let client: ReturnType<typeof counting>;
  let store: KnowledgeStore;
  const random = seededRandom(7);
  const questions = randomQuestions(random, 60);

  beforeAll(async () => {
    raw = await openPgliteClient(undefined);
    await migrate(raw);
    client = counting(raw);
    store = createKnowledgeStore(client, { location: "memory", readOnly: false, exclusive: (work) => work() });
    await store.replaceDocument({ path: "random.md", title: "Random", url: null, date: null, checksum: "1" }, randomChunks(random));
    await store.refreshLexicon();
  });
  afterAll(() => store?.close());

  async function searchAll(k: number): Promise<{ results: TextSearchResult[]; pruned: number }> {
    const results: TextSearchResult[] = [];
    let pruned = 0;
    for (const question of questions) {
      const before = client.statements;
      results.push(await store.searchText(question, k));
      if (client.statements - before === 1) pruned++;
    }
    return { results, pruned };
  }

  it(`lists common terms (in more than ${LIST_SIZE} chunks) and answers random questions exactly as the full scan`, async () => {
    const listed = await raw.query("SELECT count(*)::int AS terms FROM lexicon WHERE rest_saturation IS NOT NULL");
    expect(Number(listed[0]?.terms)).toBeGreaterThan(10);
    for (const k of [5, 20]) {
      const pruned = await searchAll(k);
      // While the postings are those of the refresh, every search is one statement (the lists, then
      // only the postings the bounds cannot rule out); about half of these questions need the second stage.
      expect(pruned.pruned).toBe(questions.length);
      // Any write statement to the postings moves the generation: every search is then a full scan.
      await raw.exec("UPDATE chunk_terms SET word = word WHERE false");
      const full = await searchAll(k);
      expect(full.pruned).toBe(0);
      // The same chunks in the same order with the same terms; scores equal but for the order in which
      // float8 adds a chunk's terms, which the plan decides (as between PGlite and PostgreSQL).
      const shape = (results: TextSearchResult[]) =>
        results.map((result) => ({ ...result, hits: result.hits.map((hit) => ({ ...hit, score: Number(hit.score.toPrecision(12)) })) }));
      expect(shape(pruned.results)).toEqual(shape(full.results));
      await store.refreshLexicon();
    }
  }, 180_000);

  it("falls back to the full scan after a write, until the next refresh", async () => {
    await store.replaceDocument({ path: "more.md", title: "More", url: null, date: null, checksum: "1" }, [
      { path: "more.md", ordinal: 0, title: "More", heading: "More", url: null, text: `${VOCABULARY[0]} ${VOCABULARY[0]} ${VOCABULARY[0]}`, tokenCount: 3 },
    ]);
    const before = client.statements;
    const stale = await store.searchText(VOCABULARY[0]!, 5);
    expect(client.statements - before).toBe(2);
    expect(stale.terms[0]?.df).toBeGreaterThan(LIST_SIZE);
    await store.refreshLexicon();
    const after = client.statements;
    expect((await store.searchText(VOCABULARY[0]!, 5)).terms[0]?.df).toBe(stale.terms[0]?.df);
    expect(client.statements - after).toBe(1);
  });

  it("searches through the plan-cached function, and without it runs the statement directly with the same answers", async () => {
    const texts: string[] = [];
    const watched: SqlClient = { ...raw, kind: raw.kind, query: (text, params) => (texts.push(text), raw.query(text, params)), exec: (text) => raw.exec(text), transaction: raw.transaction.bind(raw), close: () => raw.close() };
    const viaFunction = createKnowledgeStore(watched, { location: "memory", readOnly: true, exclusive: (work) => work() });
    const answers = [];
    for (const question of questions.slice(0, 10)) answers.push(await viaFunction.searchText(question, 5));
    expect(texts.filter((text) => text.includes(PRUNED_SCORE_FUNCTION)).length).toBe(10);

    await raw.exec(`DROP FUNCTION ${PRUNED_SCORE_FUNCTION}(text[], float8[], integer)`);
    texts.length = 0;
    const withoutFunction = createKnowledgeStore({ ...watched }, { location: "memory", readOnly: true, exclusive: (work) => work() });
    const direct = [];
    for (const question of questions.slice(0, 10)) direct.push(await withoutFunction.searchText(question, 5));
    // One failed call finds the function missing; the rest go straight to the statement.
    expect(texts.filter((text) => text.includes(PRUNED_SCORE_FUNCTION)).length).toBe(1);
    expect(direct).toEqual(answers);
    await migrate(raw);
    expect((await raw.query(`SELECT to_regprocedure('${PRUNED_SCORE_FUNCTION}(text[], float8[], integer)')::text AS name`))[0]?.name).not.toBeNull();
  });
});
