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
 * The fast full-text paths must answer exactly as the full scan: the packed posting lists
 * (term-impacts.ts), and the pruned statement (lexical-pruning.ts) that an index without
 * the lists uses. A corpus where many words are in more than LIST_SIZE chunks (so their
 * lists and bounds are used), random questions over it, and each answer compared with the
 * full scan's, which the search falls back to once the postings generation moves (a write
 * statement to the postings, here one that changes no row).
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

type Path = "lists" | "pruned" | "full";

/** Every statement the store sends, to tell which path answered a search. */
function watching(client: SqlClient): SqlClient & { texts: string[] } {
  const wrapped = {
    kind: client.kind,
    texts: [] as string[],
    query: (text: string, params?: unknown[]) => (wrapped.texts.push(text), client.query(text, params)),
    exec: (text: string) => (wrapped.texts.push(text), client.exec(text)),
    transaction: client.transaction.bind(client),
    close: () => client.close(),
  };
  return wrapped;
}

/** Which path scored: the lists are always asked first, the pruned statement after them, the full scan last. */
function pathOf(texts: readonly string[]): Path {
  if (texts.some((text) => text.includes("FROM q JOIN chunk_terms p ON p.term = q.term CROSS JOIN s"))) return "full";
  if (texts.some((text) => text.includes(PRUNED_SCORE_FUNCTION))) return "pruned";
  if (texts.some((text) => text.includes("LEFT JOIN term_impacts t"))) return "lists";
  throw new Error(`no scoring statement among ${texts.length}`);
}

/** Makes the next searches skip the lists, as in an index refreshed before they existed. */
async function withoutLists(client: SqlClient): Promise<void> {
  await client.exec(`UPDATE quire_meta SET value = value - 'impacts' WHERE key = 'lexicon'`);
}

describe("fast full-text paths (PGlite)", () => {
  let raw: SqlClient;
  let client: ReturnType<typeof watching>;
  let store: KnowledgeStore;
  const random = seededRandom(7);
  const questions = randomQuestions(random, 60);

  beforeAll(async () => {
    raw = await openPgliteClient(undefined);
    await migrate(raw);
    client = watching(raw);
    store = createKnowledgeStore(client, { location: "memory", readOnly: false, exclusive: (work) => work() });
    await store.replaceDocument({ path: "random.md", title: "Random", url: null, date: null, checksum: "1" }, randomChunks(random));
    await store.refreshLexicon();
  });
  afterAll(() => store?.close());

  async function searchAll(k: number): Promise<{ results: TextSearchResult[]; paths: Path[] }> {
    const results: TextSearchResult[] = [];
    const paths: Path[] = [];
    for (const question of questions) {
      client.texts.length = 0;
      results.push(await store.searchText(question, k));
      paths.push(pathOf(client.texts));
    }
    return { results, paths };
  }

  // The same chunks in the same order with the same terms; scores equal but for the order in which
  // float8 adds a chunk's terms, which the plan decides (as between PGlite and PostgreSQL).
  const shape = (results: TextSearchResult[]) =>
    results.map((result) => ({ ...result, hits: result.hits.map((hit) => ({ ...hit, score: Number(hit.score.toPrecision(12)) })) }));

  it(`answers random questions from the packed lists, and without them from the pruned statement, exactly as the full scan`, async () => {
    const listed = await raw.query("SELECT count(*)::int AS terms FROM lexicon WHERE rest_saturation IS NOT NULL");
    expect(Number(listed[0]?.terms)).toBeGreaterThan(10);
    for (const k of [5, 20]) {
      const lists = await searchAll(k);
      // While the postings are those of the refresh, every search reads the lists, then its k rows.
      expect(lists.paths).toEqual(questions.map(() => "lists"));
      await withoutLists(raw);
      // Without the lists, the pruned statement: the lists and bounds, then only the postings they cannot rule out.
      const pruned = await searchAll(k);
      expect(pruned.paths).toEqual(questions.map(() => "pruned"));
      // Any write statement to the postings moves the generation: every search is then a full scan.
      await raw.exec("UPDATE chunk_terms SET word = word WHERE false");
      const full = await searchAll(k);
      expect(full.paths).toEqual(questions.map(() => "full"));
      expect(shape(lists.results)).toEqual(shape(full.results));
      expect(shape(pruned.results)).toEqual(shape(full.results));
      // The lists' scores are the full scan's arithmetic, bit for bit.
      expect(lists.results.map((result) => result.hits.map((hit) => hit.score))).toEqual(full.results.map((result) => result.hits.map((hit) => hit.score)));
      await store.refreshLexicon();
    }
  }, 180_000);

  it("falls back to the full scan after a write, until the next refresh", async () => {
    await store.replaceDocument({ path: "more.md", title: "More", url: null, date: null, checksum: "1" }, [
      { path: "more.md", ordinal: 0, title: "More", heading: "More", url: null, text: `${VOCABULARY[0]} ${VOCABULARY[0]} ${VOCABULARY[0]}`, tokenCount: 3 },
    ]);
    client.texts.length = 0;
    const stale = await store.searchText(VOCABULARY[0]!, 5);
    expect(pathOf(client.texts)).toBe("full");
    expect(stale.terms[0]?.df).toBeGreaterThan(LIST_SIZE);
    await store.refreshLexicon();
    client.texts.length = 0;
    const fresh = await store.searchText(VOCABULARY[0]!, 5);
    expect(pathOf(client.texts)).toBe("lists");
    expect(fresh.terms[0]?.df).toBe(stale.terms[0]?.df);
  });

  it("answers a question no chunk matches from the lists alone, with every df 0", async () => {
    client.texts.length = 0;
    const none = await store.searchText("zzzunknownword qqqnothing", 5);
    expect(pathOf(client.texts)).toBe("lists");
    expect(none.hits).toEqual([]);
    expect(none.terms.every((term) => term.df === 0)).toBe(true);
  });

  it("scans the postings, with the same answers, when a list does not read back as written", async () => {
    const question = questions[0]!;
    const good = await store.searchText(question, 5);
    const [term] = (await raw.query("SELECT term FROM term_impacts ORDER BY df DESC LIMIT 1")) as { term: string }[];
    await raw.query("UPDATE term_impacts SET postings = 'AAAA' WHERE term = $1", [term!.term]);
    client.texts.length = 0;
    const fallback = await store.searchText(term!.term, 5);
    expect(pathOf(client.texts)).not.toBe("lists");
    expect(fallback.hits.length).toBeGreaterThan(0);
    await store.refreshLexicon();
    expect(await store.searchText(question, 5)).toEqual(good);
  });

  it("keeps to the SQL paths when a chunk id outgrows the lists' int32", async () => {
    await raw.exec("SELECT setval(pg_get_serial_sequence('chunks', 'id'), 3000000000)");
    await store.replaceDocument({ path: "big.md", title: "Big", url: null, date: null, checksum: "1" }, [
      { path: "big.md", ordinal: 0, title: "Big", heading: "Big", url: null, text: `bigonly ${VOCABULARY[1]}`, tokenCount: 2 },
    ]);
    await store.refreshLexicon();
    expect((await raw.query("SELECT value->'impacts' AS impacts FROM quire_meta WHERE key = 'lexicon'"))[0]?.impacts).toBe(false);
    client.texts.length = 0;
    const found = await store.searchText(`bigonly ${VOCABULARY[1]}`, 5);
    expect(pathOf(client.texts)).toBe("pruned");
    expect(found.hits[0]?.path).toBe("big.md");
    expect(Number(found.hits[0]?.id)).toBeGreaterThan(2 ** 31);
    // An index without lists still counts as refreshed: no refresh at every ingest.
    expect(await store.upgradeLexicalIndex()).toBe(false);
    await store.removeDocuments(["big.md"]);
    await store.refreshLexicon();
  });

  it("without the lists, searches through the plan-cached function, and without it runs the statement directly with the same answers", async () => {
    await withoutLists(raw);
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
    await store.refreshLexicon();
    expect((await raw.query(`SELECT to_regprocedure('${PRUNED_SCORE_FUNCTION}(text[], float8[], integer)')::text AS name`))[0]?.name).not.toBeNull();
  });
});
