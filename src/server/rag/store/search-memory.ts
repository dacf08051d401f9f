// What the embedded store's thread (pglite-worker.ts) keeps in memory between searches, and how it
// knows when to drop it. No `import "server-only"`: the worker loads this module, and the guard's
// plain-Node export throws. It imports nothing from the main thread's modules.

/**
 * Why: a chat turn's retrieval used to send three statements to PGlite (the question terms' packed
 * posting lists, then their winners' rows, then the vector search or a read of the search
 * generation), and every chat queues behind the others on PGlite's one thread. Each statement
 * costs its execution plus the protocol's parsing and the rows' decoding in JavaScript. The answers
 * of the first two depend on what was asked (a term's list, a chunk's row) and on nothing else
 * until something is written, so they are kept, and the turn sends no statement for what it finds.
 *
 * Staleness: every statement that could change what a search returns (postings, packed lists,
 * vectors, a chunk's returned columns, a document's path) fires a trigger that announces it on
 * SEARCH_CHANNEL (schema 6, vector-table.ts). This thread LISTENs on its one connection; PGlite
 * delivers the notification with the committing statement's reply, and calls the listener in a
 * microtask queued then, so before any statement after the commit is answered and before the
 * writer hears back. Each notification moves the epoch, and everything kept is dropped with it;
 * an answer read at one epoch and ready at another is not kept. A database without those triggers
 * and announcing functions (older, restored without them) is not trusted: nothing is kept.
 */

/** One parameterised statement on the database (outside any transaction), returning its rows. */
export type RunQuery = (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/** The channel of schema 6's announcements (vector-table.ts writes the triggers). */
export const SEARCH_CHANNEL = "quire_search";

/** The triggers that announce a write, except the vector table's (chunk_vectors_search_generation), made with the table. */
export const SEARCH_TRIGGERS = [
  "chunks_search_generation",
  "documents_search_generation",
  "term_impacts_search_generation",
  "quire_meta_search_announce",
  "chunk_terms_generation",
];

/** The functions the triggers call: each must announce (pg_notify) what it bumps. */
const ANNOUNCING_FUNCTIONS = ["quire_bump_search_generation", "quire_bump_postings_generation", "quire_announce_search"];

const TRUST_SQL = `SELECT
  (SELECT count(DISTINCT tgname)::int FROM pg_trigger WHERE NOT tgisinternal AND tgname = ANY($1::text[])) AS triggers,
  (to_regclass('chunk_vectors') IS NULL
    OR EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass('chunk_vectors') AND tgname = 'chunk_vectors_search_generation')) AS vectors,
  (SELECT count(*)::int FROM pg_proc WHERE proname = ANY($2::text[]) AND prosrc LIKE '%pg_notify%') AS functions`;

/**
 * The epoch: moved by every announced write. `trusted()` says whether the database announces every
 * write that matters (one statement, once per epoch: a restored table, say, comes with a write).
 */
export function createSearchEpoch(run: RunQuery) {
  let epoch = 0;
  let trust: { epoch: number; answer: Promise<boolean> } | null = null;
  const dropped = new Set<() => void>();
  return {
    /** The current epoch: compare before and after reading to know that nothing was written meanwhile. */
    now: (): number => epoch,
    /** A write was announced: drops everything kept (each `onChange` callback). */
    changed(): void {
      epoch++;
      for (const drop of dropped) drop();
    },
    onChange(drop: () => void): void {
      dropped.add(drop);
    },
    async trusted(): Promise<boolean> {
      if (trust === null || trust.epoch !== epoch) {
        const asked = epoch;
        const answer = run(TRUST_SQL, [SEARCH_TRIGGERS, ANNOUNCING_FUNCTIONS]).then(
          ([row]) => row?.triggers === SEARCH_TRIGGERS.length && row.vectors === true && row.functions === ANNOUNCING_FUNCTIONS.length,
          () => false,
        );
        trust = { epoch: asked, answer };
      }
      return trust.answer;
    },
  };
}

export type SearchEpoch = ReturnType<typeof createSearchEpoch>;

/** An LRU map with a budget: each entry's cost, the total kept at most `budget`. */
function createLru<V>(budget: number, cost: (value: V) => number) {
  const entries = new Map<string, V>();
  let total = 0;
  return {
    get(key: string): V | undefined {
      const value = entries.get(key);
      if (value === undefined) return undefined;
      // Refreshed: Map keeps insertion order, so the first entry is the least recently used.
      entries.delete(key);
      entries.set(key, value);
      return value;
    },
    set(key: string, value: V): void {
      const size = cost(value);
      if (size > budget) return;
      const previous = entries.get(key);
      if (previous !== undefined) {
        total -= cost(previous);
        entries.delete(key);
      }
      entries.set(key, value);
      total += size;
      for (const [oldest, kept] of entries) {
        if (total <= budget) break;
        entries.delete(oldest);
        total -= cost(kept);
      }
    },
    clear(): void {
      entries.clear();
      total = 0;
    },
    get size(): number {
      return entries.size;
    },
  };
}

/** Characters of packed lists kept at most (base64 text, one byte each in V8): 32 MiB. */
export const MAX_KEPT_LIST_CHARS = 32 * 1024 * 1024;
/** Keys kept at most by the other reads (chunks' rows, typo corrections' candidates). */
export const MAX_KEPT_KEYS = 8192;

const ABSENT = Symbol("absent");

/** The columns every row of term-impacts.ts's lists statement carries: the lexicon's control. */
const CONTROL_COLUMNS = ["chunks", "average", "current"] as const;

/**
 * A statement whose rows each belong to one of the keys in its first parameter (an array), by the
 * value of `column`: chunks' rows by id, a question term's correction candidates by the term.
 */
export interface KeyedRead {
  keys: readonly string[];
  column: string;
  /** Whether a key without rows is kept as such (a term without candidates), or read again (an id not found). */
  keepEmpty: boolean;
  /** What else the rows depend on: the statement's text and its other parameters. */
  scope: string;
}

/** A keyed read of `text` with `params`, whose first parameter holds the keys. */
export function keyedRead(text: string, params: readonly unknown[], read: Omit<KeyedRead, "scope">): KeyedRead {
  return { ...read, scope: `${text}\u0000${JSON.stringify(params.slice(1))}` };
}

/**
 * The answers kept between searches: the question terms' packed lists (term-impacts.ts's lists
 * statement, by term), and keyed reads (KeyedRead). Each read runs its own statement for what is
 * not kept only: a question with one new word reads that word's list alone.
 */
export function createReadCache(epoch: SearchEpoch, options: { maxListChars?: number; maxKeys?: number } = {}) {
  /** The lexicon's control (chunks, average, current), or null when the statement returned no row (never refreshed). */
  let control: Record<string, unknown> | null | undefined;
  const lists = createLru<Record<string, unknown> | typeof ABSENT>(options.maxListChars ?? MAX_KEPT_LIST_CHARS, (row) =>
    row === ABSENT ? 16 : 64 + (typeof row.postings === "string" ? row.postings.length : 0),
  );
  const keyed = createLru<Record<string, unknown>[]>(options.maxKeys ?? MAX_KEPT_KEYS, () => 1);
  epoch.onChange(() => {
    control = undefined;
    lists.clear();
    keyed.clear();
  });

  /**
   * Reads what is `missing` and keeps it with `keep`, when nothing was written meanwhile and the
   * database is trusted. Otherwise what was kept before belongs to another state than the answer:
   * the whole question (`wanted`) is read in one statement instead, and nothing is kept.
   */
  async function readMissing(
    wanted: readonly string[],
    missing: readonly string[],
    read: (keys: readonly string[]) => Promise<Record<string, unknown>[]>,
    keep: (answer: Record<string, unknown>[]) => Record<string, unknown>[],
  ): Promise<Record<string, unknown>[]> {
    const before = epoch.now();
    const answer = await read(missing);
    if (epoch.now() === before && (await epoch.trusted()) && epoch.now() === before) return keep(answer);
    return missing.length === wanted.length ? answer : read(wanted);
  }

  return {
    /**
     * The lists statement's rows for `terms`: the kept ones, and the statement's for the terms not
     * kept (a term no chunk has is kept as absent), kept for later. `read` runs the statement for
     * the terms it is given: each term's row does not depend on the others asked.
     */
    async lists(terms: readonly string[], read: (terms: readonly string[]) => Promise<Record<string, unknown>[]>): Promise<Record<string, unknown>[]> {
      const wanted = [...new Set(terms)];
      if (control === null) return [];
      if (control !== undefined && control.current !== true) return [control];
      const found: Record<string, unknown>[] = [];
      const missing: string[] = [];
      for (const term of wanted) {
        const row = control === undefined ? undefined : lists.get(term);
        if (row === undefined) missing.push(term);
        else if (row !== ABSENT) found.push(row);
      }
      if (missing.length === 0) return found.length > 0 ? found : [control!];
      return readMissing(wanted, missing, read, (answer) => {
        const first = answer[0];
        control = first === undefined ? null : { ...Object.fromEntries(CONTROL_COLUMNS.map((column) => [column, first[column]])), term: null, df: null, idf: null, postings: null };
        if (control === null || control.current !== true) return answer;
        const fresh = answer.filter((row) => typeof row.term === "string");
        const byTerm = new Map(fresh.map((row) => [row.term as string, row]));
        for (const term of missing) lists.set(term, byTerm.get(term) ?? ABSENT);
        const rows = [...found, ...fresh];
        return rows.length > 0 ? rows : [control];
      });
    },
    /** A keyed read's rows: the kept keys' rows, and the statement's for the keys not kept (`read` runs it for those), kept for later. */
    async keyed(request: KeyedRead, read: (keys: readonly string[]) => Promise<Record<string, unknown>[]>): Promise<Record<string, unknown>[]> {
      const wanted = [...new Set(request.keys)];
      const keyOf = (key: string) => `${request.scope}\u0000${key}`;
      const found: Record<string, unknown>[] = [];
      const missing: string[] = [];
      for (const key of wanted) {
        const rows = keyed.get(keyOf(key));
        if (rows === undefined) missing.push(key);
        else found.push(...rows);
      }
      if (missing.length === 0) return found;
      return readMissing(wanted, missing, read, (answer) => {
        const byKey = new Map<string, Record<string, unknown>[]>();
        for (const row of answer) {
          const key = row[request.column];
          if (typeof key !== "string") continue;
          const rows = byKey.get(key);
          if (rows) rows.push(row);
          else byKey.set(key, [row]);
        }
        for (const key of missing) {
          const rows = byKey.get(key);
          if (rows !== undefined || request.keepEmpty) keyed.set(keyOf(key), rows ?? []);
        }
        return [...found, ...answer];
      });
    },
    /** How much is kept (tests, diagnostics). */
    size: () => ({ lists: lists.size, keys: keyed.size }),
  };
}

export type ReadCache = ReturnType<typeof createReadCache>;
