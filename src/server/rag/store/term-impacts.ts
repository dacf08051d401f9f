import "server-only";
import { z } from "zod";
import { BM25, idfSql, pseudoFrequencySql } from "@/src/server/rag/lexical/bm25";
import { log } from "@/src/server/log";
import { parseRows } from "@/src/server/rag/store/rows";
import type { SqlExecutor } from "@/src/server/rag/store/sql-client";

/**
 * Full-text scoring from packed posting lists: the full scan's exact answer, without the
 * executor reading every posting of a common term.
 *
 * The measurement behind it: at 50k chunks PostgreSQL's executor spends 1–2 µs on each
 * posting it reads and scores, natively as in PGlite, and a question's common terms have
 * tens of thousands. Decoding the same postings from one packed value per term and adding
 * them up in JavaScript takes a few nanoseconds each.
 *
 * - At each lexicon refresh, every term gets one row in `term_impacts`: its document
 *   frequency and its postings packed as (chunk id int32, BM25F pseudo-frequency float8)
 *   in chunk-id order, as base64 text (the same through the PGlite and PostgreSQL drivers,
 *   and decoded natively by Buffer). The pseudo-frequency is the full scan's own SQL
 *   expression (bm25.ts) over the refresh's average body length.
 * - A search reads the question terms' rows and their idf, computed by the full scan's SQL
 *   (one statement), merges the lists and scores each chunk with the full scan's arithmetic,
 *   operation for operation in float8, a chunk's terms added in the question's order. That is
 *   the order in which the full scan's aggregate adds them under its usual plan (a nested loop
 *   over the question's terms), and then the scores are the same bit for bit; under another
 *   plan they may differ in the last bits, never in the ranking beyond exact ties, which both
 *   break by chunk id. A second statement reads the k rows.
 * - Trusted only while the postings generation is the refresh's and the refresh says it built
 *   the lists (`impacts` in the lexicon meta); otherwise the caller takes the SQL paths.
 */

/** Chunk ids are packed as int32: an index whose ids outgrow it keeps to the SQL paths. */
const MAX_PACKED_ID = 2 ** 31 - 1;

/** Bytes of one packed posting: int32 chunk id, float8 pseudo-frequency, both big-endian (int4send, float8send). */
const POSTING_BYTES = 12;

/**
 * Rebuilds the lists (inside the refresh's transaction). Returns false, building nothing,
 * when some chunk id does not fit the packing.
 */
export async function refreshTermImpacts(executor: SqlExecutor, averageBodyLength: number): Promise<boolean> {
  await executor.exec("DELETE FROM term_impacts");
  const rows = await executor.query("SELECT coalesce(max(id), 0)::float8 AS max FROM chunks");
  if (Number(rows[0]?.max ?? 0) > MAX_PACKED_ID) return false;
  // PostgreSQL's base64 breaks lines every 76 characters; translate drops the breaks.
  await executor.query(
    `INSERT INTO term_impacts (term, df, postings)
     SELECT p.term, count(*)::int,
            translate(encode(string_agg(int4send(p.chunk_id::int4) || float8send(${pseudoFrequencySql("p", "$1::float8")}), ''::bytea ORDER BY p.chunk_id), 'base64'), E'\\n', '')
     FROM chunk_terms p GROUP BY p.term`,
    [averageBodyLength],
  );
  return true;
}

/** One question term's list, decoded. */
export interface PostingList {
  /** The query term's weight × idf, as the full scan computes it. */
  coefficient: number;
  ids: Int32Array;
  frequencies: Float64Array;
}

/** Decodes a packed list (term_impacts.postings). Throws on a length that is not whole postings. */
export function decodePostings(packed: string): { ids: Int32Array; frequencies: Float64Array } {
  const bytes = Buffer.from(packed, "base64");
  if (bytes.byteLength % POSTING_BYTES !== 0) throw new Error(`a posting list of ${bytes.byteLength} bytes is not whole postings`);
  const count = bytes.byteLength / POSTING_BYTES;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ids = new Int32Array(count);
  const frequencies = new Float64Array(count);
  for (let index = 0, offset = 0; index < count; index++, offset += POSTING_BYTES) {
    ids[index] = view.getInt32(offset);
    frequencies[index] = view.getFloat64(offset + 4);
  }
  return { ids, frequencies };
}

const SATURATION_NUMERATOR = BM25.k1 + 1;

/**
 * One posting's score, as bm25Sql writes it: weight * idf * (tf * (k1 + 1)) / (tf + k1),
 * evaluated left to right.
 */
function postingScore(coefficient: number, frequency: number): number {
  return (coefficient * (frequency * SATURATION_NUMERATOR)) / (frequency + BM25.k1);
}

export interface RankedChunk {
  id: number;
  score: number;
  /** Indexes of the lists (question terms) that contain the chunk. */
  lists: number[];
}

/** True when `a` ranks before `b`: higher score, then lower id (the full scan's ORDER BY score DESC, chunk_id). */
const before = (a: { id: number; score: number }, b: { id: number; score: number }) => a.score > b.score || (a.score === b.score && a.id < b.id);

/**
 * The k best chunks over the lists (each in ascending id order), merged by chunk id and
 * scored with the terms added in list order, best first.
 */
export function topChunks(lists: readonly PostingList[], k: number): RankedChunk[] {
  const heads = new Int32Array(lists.length);
  // A min-heap of the k best so far: its root is the one the next better chunk replaces.
  const heap: { id: number; score: number }[] = [];
  const worse = (a: number, b: number) => before(heap[b]!, heap[a]!);
  const swap = (a: number, b: number) => ([heap[a], heap[b]] = [heap[b]!, heap[a]!]);
  const siftDown = (start: number) => {
    for (let index = start; ; ) {
      const left = 2 * index + 1;
      const right = left + 1;
      let worst = index;
      if (left < heap.length && worse(left, worst)) worst = left;
      if (right < heap.length && worse(right, worst)) worst = right;
      if (worst === index) return;
      swap(index, worst);
      index = worst;
    }
  };
  const siftUp = (start: number) => {
    for (let index = start; index > 0; ) {
      const parent = (index - 1) >> 1;
      if (!worse(index, parent)) return;
      swap(index, parent);
      index = parent;
    }
  };
  if (k <= 0) return [];
  for (;;) {
    let next = MAX_PACKED_ID + 1;
    for (let list = 0; list < lists.length; list++) {
      const head = heads[list]!;
      const { ids } = lists[list]!;
      if (head < ids.length && ids[head]! < next) next = ids[head]!;
    }
    if (next > MAX_PACKED_ID) break;
    // Summed from 0 in list order, as the aggregate adds a chunk's postings in the order of the question's terms.
    let score = 0;
    for (let list = 0; list < lists.length; list++) {
      const { ids, frequencies, coefficient } = lists[list]!;
      const head = heads[list]!;
      if (head < ids.length && ids[head] === next) {
        score += postingScore(coefficient, frequencies[head]!);
        heads[list] = head + 1;
      }
    }
    const candidate = { id: next, score };
    if (heap.length < k) {
      heap.push(candidate);
      siftUp(heap.length - 1);
    } else if (before(candidate, heap[0]!)) {
      heap[0] = candidate;
      siftDown(0);
    }
  }
  return heap
    .sort((a, b) => (before(a, b) ? -1 : 1))
    .map(({ id, score }) => ({ id, score, lists: lists.flatMap((list, index) => (binarySearch(list.ids, id) ? [index] : [])) }));
}

function binarySearch(ids: Int32Array, id: number): boolean {
  let low = 0;
  let high = ids.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const value = ids[middle]!;
    if (value === id) return true;
    if (value < id) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}

/**
 * The question terms' lists with their idf (the full scan's expression, over the refresh's
 * chunk count), when they can be trusted: a row per term found, one row without a term when
 * none is, and no row or `current` false when the lists are stale or were never built.
 */
const LISTS_SQL = `WITH control AS (
    SELECT (value->>'chunks')::float8 AS chunks, (value->>'averageBodyLength')::float8 AS average,
           coalesce((value->>'impacts')::boolean, false)
             AND (value->>'postingsGeneration') = (SELECT value #>> '{}' FROM quire_meta WHERE key = 'postings_generation') AS current
    FROM quire_meta WHERE key = 'lexicon')
  SELECT control.chunks, control.average, control.current, t.term, t.df,
         ${idfSql("t.df::float8", "control.chunks")} AS idf, t.postings
  FROM control LEFT JOIN term_impacts t ON control.current AND t.term = ANY($1::text[])`;

/** The document's path by a probe per row: as a join, the planner hashes every document for a handful of chunks. */
const ROWS_SQL = `SELECT c.id::text AS id, (SELECT d.path FROM documents d WHERE d.id = c.document_id) AS path, c.title, c.heading, c.url, c.content
  FROM chunks c WHERE c.id = ANY($1::bigint[])`;

const listRowSchema = z.object({
  chunks: z.number().nullable(),
  average: z.number().nullable(),
  current: z.boolean().nullable(),
  term: z.string().nullable(),
  df: z.number().int().positive().nullable(),
  idf: z.number().finite().nullable(),
  postings: z.string().nullable(),
});

const chunkRowSchema = z.object({ id: z.coerce.string() }).passthrough();

export interface ListSearch {
  /** The top k rows, in the full scan's order and shape (id, path, …, score, matched). */
  rows: Record<string, unknown>[];
  /** Document frequency of each question term some chunk contains. */
  dfs: Map<string, number>;
  chunks: number;
  averageBodyLength: number;
}

/** The exact top k from the packed lists, or null when they cannot be trusted (take the SQL paths). */
export async function searchPostingLists(
  executor: SqlExecutor,
  terms: readonly { term: string; weight: number }[],
  k: number,
): Promise<ListSearch | null> {
  let found: z.infer<typeof listRowSchema>[];
  let decoded: Map<string, { idf: number; ids: Int32Array; frequencies: Float64Array }>;
  try {
    const asked = terms.map((term) => term.term);
    // The embedded store on its worker thread keeps the lists it has read until a write (search-memory.ts).
    const rows = executor.termLists ? await executor.termLists(LISTS_SQL, [asked], asked) : await executor.query(LISTS_SQL, [asked]);
    found = parseRows(listRowSchema, rows);
    decoded = new Map(
      found.flatMap((row) =>
        row.term !== null && row.postings !== null && row.idf !== null ? [[row.term, { idf: row.idf, ...decodePostings(row.postings) }] as const] : [],
      ),
    );
  } catch (error) {
    // Lists that do not read back as written: the SQL paths still answer, exactly.
    log().warn({ err: error }, "full-text posting lists unreadable; scanning the postings instead");
    return null;
  }
  const control = found[0];
  if (control === undefined || control.current !== true || control.chunks === null || control.average === null) return null;
  const { chunks, average: averageBodyLength } = control;
  const dfs = new Map(found.flatMap((row) => (row.term !== null && row.df !== null ? [[row.term, row.df] as const] : [])));
  // In the question's order, a repeated term twice: the order and the multiset the full scan's join adds up.
  const asked = terms.filter((term) => decoded.has(term.term));
  const lists = asked.map((term) => {
    const { idf, ids, frequencies } = decoded.get(term.term)!;
    return { ids, frequencies, coefficient: term.weight * idf };
  });
  const top = topChunks(lists, k);
  if (top.length === 0) return { rows: [], dfs, chunks, averageBodyLength };
  const ids = top.map((chunk) => String(chunk.id));
  // The embedded store on its worker thread has most chunks' rows in memory (vector-memory.ts).
  const chunkRows = executor.chunkRows ? await executor.chunkRows(ROWS_SQL, [ids], ids) : await executor.query(ROWS_SQL, [ids]);
  const rows = new Map(parseRows(chunkRowSchema, chunkRows).map((row) => [row.id, row]));
  return {
    rows: top.flatMap((chunk) => {
      const row = rows.get(String(chunk.id));
      // A chunk the lists name always exists while the generation is current; were it gone, it is left out.
      return row ? [{ ...row, score: chunk.score, matched: [...new Set(chunk.lists.map((index) => asked[index]!.term))] }] : [];
    }),
    dfs,
    chunks,
    averageBodyLength,
  };
}
