import "server-only";
import { z } from "zod";
import { analyzeChunk, analyzeQuery, ANALYZER_VERSION } from "@/src/server/rag/lexical/analyze";
import { BM25, bm25Sql, idf, type CorpusStatistics } from "@/src/server/rag/lexical/bm25";
import { chooseCorrection, needsCorrection, type CorrectionCandidate } from "@/src/server/rag/lexical/correct";
import { CALL_PRUNED_SCORE_SQL, isUndefinedFunction, PRUNED_SCORE_SQL, readPostingsGeneration, refreshTopPostings } from "@/src/server/rag/store/lexical-pruning";
import { parseRows, scoredChunkRowSchema } from "@/src/server/rag/store/rows";
import { refreshTermImpacts, searchPostingLists } from "@/src/server/rag/store/term-impacts";
import type { SqlClient, SqlExecutor } from "@/src/server/rag/store/sql-client";
import type { ScoredChunk } from "@/src/server/rag/types";

/**
 * The full-text index: postings written by the app's analyzer (lexical/analyze.ts),
 * scored by BM25F in SQL, with typo correction against the corpus vocabulary
 * through pg_trgm. Plain tables and standard SQL, so PGlite and PostgreSQL
 * rank identically.
 *
 * - `chunk_terms`: one row per (term, chunk) with the term's frequency in the
 *   title, heading path and body, and the body's length.
 * - `lexicon`: every term with its document frequency, trigram-indexed, for typo
 *   correction; rebuilt after each ingest that changed something (`refreshLexicon`).
 * - `chunks.body_terms`: each chunk's body length in terms (BM25's length norm).
 * - `quire_meta.lexicon`: the analyzer version that wrote the postings, and the
 *   corpus statistics (chunk count, average body length) as of the refresh.
 *
 * Scoring counts document frequencies from the postings themselves (exact right
 * after any write); N and the average length come from the last refresh, which
 * every ingest that changed something ends with.
 */

/** A question term as searched: its weight, how many chunks contain it, and the typo it corrected. */
export interface SearchedTerm {
  term: string;
  /** As the user wrote it. */
  surface: string;
  weight: number;
  df: number;
  idf: number;
  /** The question's own term when this one replaced it ("bukcet"). */
  correctedFrom?: string;
  /** For a corrected term, the corpus's usual spelling of it ("bucket"), to re-embed the question with. */
  correctedWord?: string;
}

export interface TextHit extends ScoredChunk {
  /** The question terms this chunk contains. */
  matchedTerms: string[];
}

export interface TextSearchResult {
  hits: TextHit[];
  /** Chunks in the index (the N of IDF). */
  chunks: number;
  /** Every term of the question (after correction), including those no chunk contains (df 0). */
  terms: SearchedTerm[];
}

const lexiconMetaSchema = z.object({
  analyzerVersion: z.number().int(),
  terms: z.number().int().nonnegative(),
  /** Whether the refresh built the packed posting lists (term-impacts.ts); absent before they existed. */
  impacts: z.boolean().optional(),
});
// The meta row also holds the corpus statistics as of the refresh (chunks, averageBodyLength), read by scoring in SQL.

/** Writes the postings of freshly inserted chunks (inside the caller's transaction). */
export async function writePostings(
  executor: SqlExecutor,
  chunks: readonly { id: string; title: string; heading: string; text: string }[],
): Promise<void> {
  const columns = {
    term: [] as string[],
    chunk: [] as string[],
    title: [] as number[],
    heading: [] as number[],
    body: [] as number[],
    length: [] as number[],
    word: [] as string[],
  };
  const lengths: { id: string; length: number }[] = [];
  for (const chunk of chunks) {
    const analyzed = analyzeChunk(chunk);
    lengths.push({ id: chunk.id, length: analyzed.bodyLength });
    for (const [term, frequencies] of analyzed.terms) {
      columns.term.push(term);
      columns.chunk.push(chunk.id);
      columns.title.push(frequencies.title);
      columns.heading.push(frequencies.heading);
      columns.body.push(frequencies.body);
      columns.length.push(analyzed.bodyLength);
      columns.word.push(analyzed.surfaces.get(term) ?? term);
    }
  }
  if (columns.term.length > 0) {
    await executor.query(
      `INSERT INTO chunk_terms (term, chunk_id, tf_title, tf_heading, tf_body, body_length, word)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::real[], $4::real[], $5::real[], $6::int[], $7::text[])`,
      [columns.term, columns.chunk, columns.title, columns.heading, columns.body, columns.length, columns.word],
    );
  }
  if (lengths.length > 0) {
    await executor.query(
      `UPDATE chunks SET body_terms = input.length FROM unnest($1::bigint[], $2::int[]) AS input(id, length) WHERE chunks.id = input.id`,
      [lengths.map((entry) => entry.id), lengths.map((entry) => entry.length)],
    );
  }
}

/** Rebuilds the vocabulary and the corpus statistics from the postings. */
export async function refreshLexicon(client: SqlClient): Promise<void> {
  await client.transaction(async (executor) => {
    await executor.exec("DELETE FROM lexicon");
    await executor.exec("INSERT INTO lexicon (term, df, word) SELECT term, count(*)::int, mode() WITHIN GROUP (ORDER BY word) FROM chunk_terms GROUP BY term");
    const rows = await executor.query(
      "SELECT (SELECT count(*)::int FROM lexicon) AS terms, count(*)::int AS chunks, coalesce(avg(body_terms), 0)::float8 AS average FROM chunks",
    );
    const meta = {
      analyzerVersion: ANALYZER_VERSION,
      terms: Number(rows[0]?.terms ?? 0),
      chunks: Number(rows[0]?.chunks ?? 0),
      averageBodyLength: Number(rows[0]?.average ?? 0),
      postingsGeneration: await readPostingsGeneration(executor),
    };
    await refreshTopPostings(executor, meta.averageBodyLength);
    const impacts = await refreshTermImpacts(executor, meta.averageBodyLength);
    await executor.query(
      "INSERT INTO quire_meta (key, value) VALUES ('lexicon', $1::jsonb) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      [JSON.stringify({ ...meta, impacts })],
    );
  });
  // Fresh planner statistics: after a bulk ingest the stale ones make it scan every posting instead of
  // probing the (term, chunk) index for the question's few terms (94 ms instead of a few, measured on PGlite).
  // VACUUM also sets the visibility map, so scoring reads the postings from the covering index alone;
  // on the tables the refresh rewrote, it frees the old rows' space for the next refresh (PGlite runs no
  // autovacuum: without it each refresh would leave a dead copy of the posting lists behind).
  await client.exec("VACUUM ANALYZE chunk_terms, lexicon, term_top_postings, term_impacts");
  await client.exec("ANALYZE chunks");
}

async function readLexiconMeta(client: SqlExecutor): Promise<z.infer<typeof lexiconMetaSchema> | null> {
  const rows = await client.query("SELECT value FROM quire_meta WHERE key = 'lexicon'");
  const parsed = lexiconMetaSchema.safeParse(rows[0]?.value);
  return parsed.success ? parsed.data : null;
}

/** True when the postings were written by this analyzer version (false on an index from before it, or another version). */
export async function lexicalIndexCurrent(client: SqlClient): Promise<boolean> {
  const meta = await readLexiconMeta(client);
  if (meta !== null) return meta.analyzerVersion === ANALYZER_VERSION;
  // Never refreshed: current only when there is nothing to index.
  const rows = await client.query("SELECT count(*)::int AS count FROM chunks");
  return Number(rows[0]?.count ?? 0) === 0;
}

/**
 * True when the last refresh recorded whether it built the packed posting lists
 * (term-impacts.ts); false on an index last refreshed by a version without them,
 * which the next ingest then refreshes even when no document changed.
 */
export async function postingListsRecorded(client: SqlClient): Promise<boolean> {
  return (await readLexiconMeta(client))?.impacts !== undefined;
}

const REBUILD_BATCH = 500;

/** Re-analyzes every stored chunk (after an analyzer change or an upgrade), without touching chunks or vectors. */
export async function rebuildPostings(client: SqlClient): Promise<number> {
  await client.exec("DELETE FROM chunk_terms");
  let after = "0";
  let done = 0;
  for (;;) {
    const rows = await client.query(
      "SELECT c.id::text AS id, c.title, c.heading, c.content FROM chunks c WHERE c.id > $1::bigint ORDER BY c.id LIMIT $2",
      [after, REBUILD_BATCH],
    );
    const batch = parseRows(z.object({ id: z.coerce.string(), title: z.string(), heading: z.string(), content: z.string() }), rows);
    if (batch.length === 0) break;
    await client.transaction((executor) =>
      writePostings(executor, batch.map((row) => ({ id: row.id, title: row.title, heading: row.heading, text: row.content }))),
    );
    done += batch.length;
    after = batch.at(-1)!.id;
  }
  // The caller refreshes the lexicon next, which records the analyzer version.
  return done;
}

const candidateRowSchema = z.object({ query: z.string(), term: z.string(), df: z.coerce.number(), word: z.string() });
/** Nearest vocabulary terms by trigram distance (pg_trgm's indexed `<->`), per unknown question term. */
const TRIGRAM_NEIGHBOURS = 24;
/** Vocabulary terms sharing the first two letters (typos rarely touch them), per unknown question term. */
const PREFIX_NEIGHBOURS = 200;

/**
 * Candidate corrections for terms the corpus never uses: the nearest terms by
 * trigram distance, plus the common terms that start with the same two letters
 * and are about as long (trigrams miss a transposition in a short word:
 * "chnage" shares only 2 of 11 trigrams with "chang"). Edit distance then picks.
 */
async function correctionCandidates(executor: SqlExecutor, unknown: string[]): Promise<Map<string, CorrectionCandidate[]>> {
  const candidates = new Map<string, CorrectionCandidate[]>();
  if (unknown.length === 0) return candidates;
  const sql = `SELECT q.term AS query, l.term, l.df, l.word FROM unnest($1::text[]) AS q(term)
     CROSS JOIN LATERAL (
       (SELECT term, df, word FROM lexicon ORDER BY term <-> q.term LIMIT $2)
       UNION
       (SELECT term, df, word FROM lexicon
        WHERE left(term, 2) = left(q.term, 2) AND length(term) BETWEEN length(q.term) - 2 AND length(q.term) + 2
        ORDER BY df DESC, term LIMIT $3)
     ) AS l`;
  const params = [unknown, TRIGRAM_NEIGHBOURS, PREFIX_NEIGHBOURS];
  // The embedded store on its worker thread keeps each term's candidates until a write (search-memory.ts).
  const rows = executor.keyedRows
    ? await executor.keyedRows(sql, params, { keys: unknown, column: "query", keepEmpty: true })
    : await executor.query(sql, params);
  for (const row of parseRows(candidateRowSchema, rows)) candidates.set(row.query, [...(candidates.get(row.query) ?? []), row]);
  return candidates;
}

const scoredRowSchema = z.object({ matched: z.array(z.string()) }).passthrough();
const controlRowSchema = z.object({ dfs: z.record(z.string(), z.coerce.number()).nullable(), chunks: z.coerce.number(), average: z.coerce.number() });
const statsRowSchema = z.object({ chunks: z.coerce.number(), average: z.coerce.number() });

interface Scored {
  hits: TextHit[];
  /** Document frequency of each searched term that some chunk contains. */
  dfs: Map<string, number>;
  statistics: CorpusStatistics;
}

/**
 * One statement: the question terms' document frequencies (exact: counted from
 * the postings, so right after any write), the corpus statistics, and the k best
 * chunks by BM25F. The grouped aggregate over the postings sums a float and
 * nothing else: the matched terms are looked up for the k winners only, because
 * an array_agg per group (one memory context per chunk) and a window count over
 * every posting made this 2-5x slower at 50k chunks (EXPLAIN ANALYZE: the hash
 * aggregate spilled to disk). The CTEs are MATERIALIZED so that each df is
 * counted once, not once per posting.
 */
/** Databases known to lack this code's function (a read-only open of an older index): the statement runs directly. */
const withoutFunction = new WeakSet<SqlExecutor>();

async function prunedScore(executor: SqlExecutor, params: unknown[]): Promise<Record<string, unknown>[]> {
  if (!withoutFunction.has(executor)) {
    try {
      return await executor.query(CALL_PRUNED_SCORE_SQL, params);
    } catch (error) {
      if (!isUndefinedFunction(error)) throw error;
      withoutFunction.add(executor);
    }
  }
  return executor.query(PRUNED_SCORE_SQL, params);
}

async function score(executor: SqlExecutor, terms: readonly { term: string; weight: number }[], k: number): Promise<Scored> {
  // The packed posting lists first (term-impacts.ts); then the pruned statement, exact when it says so
  // (lexical-pruning.ts); otherwise the full scan below gives the same answer the slow way.
  const impacts = await searchPostingLists(executor, terms, k);
  if (impacts !== null) {
    return {
      hits: toHits(impacts.rows),
      dfs: impacts.dfs,
      statistics: { chunks: impacts.chunks, averageBodyLength: impacts.averageBodyLength },
    };
  }
  const params = [terms.map((term) => term.term), terms.map((term) => term.weight), k];
  const pruned = await prunedScore(executor, params);
  if (pruned[0]?.exact === true) return toScored(pruned.filter((row) => row.id != null), pruned[0]);
  // Corpus statistics as of the last refresh (exact again after every ingest); computed when never refreshed.
  const rows = await executor.query(
    `WITH meta AS (SELECT value FROM quire_meta WHERE key = 'lexicon' AND value ? 'chunks'),
          s AS MATERIALIZED (
            SELECT coalesce((SELECT (value->>'chunks')::float8 FROM meta), (SELECT count(*)::float8 FROM chunks)) AS chunks,
                   coalesce((SELECT (value->>'averageBodyLength')::float8 FROM meta),
                            (SELECT coalesce(avg(body_terms), 0)::float8 FROM chunks)) AS avg_body),
          q AS MATERIALIZED (
            SELECT input.term, input.weight, (SELECT count(*) FROM chunk_terms t WHERE t.term = input.term)::float8 AS df
            FROM unnest($1::text[], $2::float8[]) AS input(term, weight)),
          scored AS (
            SELECT p.chunk_id, sum(${bm25Sql({ posting: "p", query: "q", stats: "s" })}) AS score
            FROM q JOIN chunk_terms p ON p.term = q.term CROSS JOIN s
            GROUP BY p.chunk_id ORDER BY score DESC, p.chunk_id LIMIT $3)
     SELECT c.id::text AS id, d.path, c.title, c.heading, c.url, c.content, scored.score::float8 AS score,
            ARRAY(SELECT m.term FROM q JOIN chunk_terms m ON m.term = q.term AND m.chunk_id = scored.chunk_id) AS matched,
            (SELECT jsonb_object_agg(term, df) FROM q WHERE df > 0) AS dfs,
            s.chunks, s.avg_body AS average
     FROM scored JOIN chunks c ON c.id = scored.chunk_id JOIN documents d ON d.id = c.document_id CROSS JOIN s
     ORDER BY scored.score DESC, c.id`,
    params,
  );
  if (rows.length === 0) {
    // No chunk contains any of the terms: every df is 0; the statistics still give their IDF.
    const stats = statsRowSchema.parse(
      (await executor.query("SELECT count(*)::int AS chunks, coalesce(avg(body_terms), 0)::float8 AS average FROM chunks"))[0],
    );
    return { hits: [], dfs: new Map(), statistics: { chunks: stats.chunks, averageBodyLength: stats.average } };
  }
  return toScored(rows, rows[0]!);
}

/** Hits and statistics from scored rows; `control` carries the dfs and statistics (a hit row, or the pruned search's control row). */
/** Scored rows (id, path, …, score, matched) as hits, each with the question terms it contains. */
function toHits(rows: readonly Record<string, unknown>[]): TextHit[] {
  return rows.map((row) => ({ ...scoredChunkRowSchema.parse(row), matchedTerms: scoredRowSchema.parse(row).matched.sort() }));
}

function toScored(rows: readonly Record<string, unknown>[], control: Record<string, unknown>): Scored {
  const first = controlRowSchema.parse(control);
  return {
    hits: toHits(rows),
    dfs: new Map(Object.entries(first.dfs ?? {})),
    statistics: { chunks: first.chunks, averageBodyLength: first.average },
  };
}

/**
 * BM25F search: the k best chunks for the question, with the terms each one
 * matched. A question term that no chunk contains is corrected to the closest
 * vocabulary term, when one is close enough, and the question scored again.
 */
export async function searchLexical(client: SqlClient, question: string, k: number): Promise<TextSearchResult> {
  const analyzed = analyzeQuery(question);
  if (analyzed.length === 0) return { hits: [], terms: [], chunks: 0 };
  const first = await score(client, analyzed, k);
  const unknown = analyzed.filter((term) => needsCorrection(term.term, first.dfs.get(term.term) ?? 0));
  const candidates = await correctionCandidates(client, unknown.map((term) => term.term));
  const resolved = new Map<string, SearchedTerm>();
  let corrected = false;
  for (const term of analyzed) {
    const df = first.dfs.get(term.term) ?? 0;
    const correction = df === 0 ? chooseCorrection(term.term, candidates.get(term.term) ?? [], term.surface) : null;
    const next: SearchedTerm = correction
      ? {
          term: correction.term,
          surface: term.surface,
          weight: term.weight * BM25.correctedWeight,
          df: correction.df,
          idf: 0,
          correctedFrom: term.term,
          ...(correction.word !== undefined && { correctedWord: correction.word }),
        }
      : { term: term.term, surface: term.surface, weight: term.weight, df, idf: 0 };
    corrected ||= correction !== null;
    const existing = resolved.get(next.term);
    if (!existing || existing.weight < next.weight) resolved.set(next.term, next);
  }
  const final = corrected ? await score(client, [...resolved.values()], k) : first;
  const chunks = final.statistics.chunks;
  const terms = [...resolved.values()].map((term) => {
    const df = final.dfs.get(term.term) ?? 0;
    return { ...term, df, idf: idf(df, chunks) };
  });
  return { hits: final.hits, terms, chunks };
}
