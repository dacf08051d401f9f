import "server-only";
import { createHash } from "node:crypto";
import { BM25, bm25Sql, idfSql, pseudoFrequencySql } from "@/src/server/rag/lexical/bm25";
import type { SqlExecutor } from "@/src/server/rag/store/sql-client";

/**
 * Exact top-k pruning for the full-text search (a threshold scheme with a
 * guaranteed-exact fallback). Scoring every posting of a common term is what made
 * full text slow at 50k chunks; most of those postings cannot reach the top k.
 *
 * At each lexicon refresh, for every term in more than LIST_SIZE chunks, the
 * LIST_SIZE postings with the highest saturated BM25F frequency are listed
 * (`term_top_postings`), and the highest saturation left out is kept as the term's
 * bound (`lexicon.rest_saturation`). A search scores exactly (the same SQL as the
 * full scan) the chunks in some term's list or containing a rare term, and then only
 * those others that the bounds cannot rule out (PRUNED_SCORE_SQL): the answer is
 * exactly the full scan's, from a fraction of the postings. When the postings changed
 * since the refresh (a trigger counts every write to them: the postings generation),
 * the bounds are not trusted and the caller runs the full scan.
 */

/** Postings listed per common term. */
export const LIST_SIZE = 100;

/** The saturated pseudo-frequency of a posting: its score divided by weight × idf (the bound's unit). */
function saturationSql(posting: string, averageBodyLength: string): string {
  const tf = pseudoFrequencySql(posting, averageBodyLength);
  return `(${tf} * ${BM25.k1 + 1}::float8) / (${tf} + ${BM25.k1}::float8)`;
}

/** The postings generation, which the refresh records and a pruned search compares (migration 3's trigger bumps it). */
export async function readPostingsGeneration(executor: SqlExecutor): Promise<string> {
  const rows = await executor.query("SELECT value #>> '{}' AS generation FROM quire_meta WHERE key = 'postings_generation'");
  return String(rows[0]?.generation ?? "0");
}

/** Rebuilds the lists and bounds (inside the refresh's transaction, after the lexicon's df). */
export async function refreshTopPostings(executor: SqlExecutor, averageBodyLength: number): Promise<void> {
  await executor.exec("DELETE FROM term_top_postings");
  await executor.query(
    `WITH ranked AS MATERIALIZED (
       SELECT p.term, p.chunk_id, ${saturationSql("p", "$1::float8")} AS saturation,
              row_number() OVER (PARTITION BY p.term ORDER BY ${saturationSql("p", "$1::float8")} DESC, p.chunk_id) AS rank
       FROM chunk_terms p JOIN lexicon l ON l.term = p.term WHERE l.df > $2),
     listed AS (INSERT INTO term_top_postings (term, chunk_id) SELECT term, chunk_id FROM ranked WHERE rank <= $2)
     UPDATE lexicon l SET rest_saturation = ranked.saturation FROM ranked WHERE ranked.rank = $2 + 1 AND l.term = ranked.term`,
    [averageBodyLength, LIST_SIZE],
  );
}

/**
 * Float rounding of the bound (computed apart from the exact scores): a candidate must
 * beat it by this relative margin, far above float8 error and far below any real gap.
 */
const BOUND_MARGIN = 1e-9;

/**
 * The pruned search's statement: the same output columns as the full scan's
 * (lexical-index.ts), plus `exact` (false only when the postings changed since the
 * refresh: run the full scan) on a control row that is there even when nothing matched.
 *
 * 1. `first`: every chunk in some term's list, or containing a rare (unlisted) term, scored
 *    exactly. Its k-th best score is θ, a lower bound on the answer's k-th score.
 * 2. A chunk outside `first` contains no rare term and is in no list, so each listed term
 *    it contains adds at most that term's bound, weight · idf · rest saturation. With the
 *    listed terms in ascending order of bound, those whose running sum stays below θ are
 *    "non-essential" (MaxScore): a chunk containing only them cannot reach θ. So only the
 *    postings of the essential terms (the rarer, higher-idf ones) are read (`partial`: their
 *    exact part of each chunk's score), and only chunks whose partial score plus every
 *    non-essential bound could reach θ are scored in full (`second`).
 * 3. The top k of both is exactly the full scan's. When the lists alone decide (no essential
 *    term), step 2 reads nothing; when θ is 0 (fewer than k candidates) it reads what the
 *    full scan would.
 */
const SCORE = bm25Sql({ posting: "p", query: "q", stats: "s" });
export const PRUNED_SCORE_SQL = `WITH meta AS (SELECT value FROM quire_meta WHERE key = 'lexicon' AND value ? 'postingsGeneration'),
      s AS MATERIALIZED (
        SELECT (value->>'chunks')::float8 AS chunks, (value->>'averageBodyLength')::float8 AS avg_body,
               (value->>'postingsGeneration') = (SELECT value #>> '{}' FROM quire_meta WHERE key = 'postings_generation') AS current
        FROM meta),
      q AS MATERIALIZED (
        SELECT input.term, input.weight, coalesce(l.df, 0)::float8 AS df, l.rest_saturation AS rest,
               input.weight * ${idfSql("coalesce(l.df, 0)::float8", "(SELECT chunks FROM s)")} * l.rest_saturation AS bound
        FROM unnest($1::text[], $2::float8[]) AS input(term, weight) LEFT JOIN lexicon l ON l.term = input.term),
      candidates AS MATERIALIZED (
        SELECT t.chunk_id FROM q JOIN term_top_postings t ON t.term = q.term WHERE q.rest IS NOT NULL
        UNION
        SELECT p.chunk_id FROM q JOIN chunk_terms p ON p.term = q.term WHERE q.rest IS NULL AND q.df > 0),
      first AS MATERIALIZED (
        SELECT p.chunk_id, sum(${SCORE}) AS score
        FROM candidates cd CROSS JOIN q JOIN chunk_terms p ON p.term = q.term AND p.chunk_id = cd.chunk_id CROSS JOIN s
        GROUP BY p.chunk_id),
      theta AS MATERIALIZED (
        SELECT coalesce((SELECT score FROM first ORDER BY score DESC, chunk_id OFFSET $3 - 1 LIMIT 1), 0::float8) AS value),
      listed AS MATERIALIZED (
        SELECT term, sum(bound) OVER (ORDER BY bound, term) AS running FROM q WHERE rest IS NOT NULL),
      essential AS MATERIALIZED (
        SELECT term FROM listed WHERE (1 + ${BOUND_MARGIN}::float8) * running >= (SELECT value FROM theta)),
      rest_bound AS MATERIALIZED (
        SELECT coalesce(sum(bound), 0::float8) AS value FROM q
        WHERE rest IS NOT NULL AND term NOT IN (SELECT term FROM essential)),
      partial AS MATERIALIZED (
        SELECT p.chunk_id, sum(${SCORE}) AS score
        FROM essential e JOIN q ON q.term = e.term JOIN chunk_terms p ON p.term = q.term CROSS JOIN s
        WHERE NOT EXISTS (SELECT 1 FROM candidates cd WHERE cd.chunk_id = p.chunk_id)
        GROUP BY p.chunk_id),
      second AS MATERIALIZED (
        SELECT p.chunk_id, sum(${SCORE}) AS score
        FROM partial x CROSS JOIN q JOIN chunk_terms p ON p.term = q.term AND p.chunk_id = x.chunk_id CROSS JOIN s
        WHERE (1 + ${BOUND_MARGIN}::float8) * (x.score + (SELECT value FROM rest_bound)) >= (SELECT value FROM theta)
        GROUP BY p.chunk_id),
      scored AS MATERIALIZED (
        SELECT chunk_id, score FROM (SELECT chunk_id, score FROM first UNION ALL SELECT chunk_id, score FROM second) AS both_stages
        ORDER BY score DESC, chunk_id LIMIT $3),
      control AS (SELECT s.chunks, s.avg_body, s.current AS exact FROM s)
 SELECT control.exact, control.chunks, control.avg_body AS average, hit.*,
        (SELECT jsonb_object_agg(term, df) FROM q WHERE df > 0) AS dfs
 FROM control LEFT JOIN LATERAL (
   SELECT c.id::text AS id, d.path, c.title, c.heading, c.url, c.content, scored.score::float8 AS score,
          ARRAY(SELECT m.term FROM q JOIN chunk_terms m ON m.term = q.term AND m.chunk_id = scored.chunk_id) AS matched,
          scored.chunk_id AS rank_id
   FROM scored JOIN chunks c ON c.id = scored.chunk_id JOIN documents d ON d.id = c.document_id
   WHERE control.exact) AS hit ON true
 ORDER BY hit.score DESC, hit.rank_id`;

/**
 * The pruned statement as a plpgsql function. PostgreSQL plans a plain statement again on every
 * call, which was about half of each full-text search (PGlite's `query()` cannot keep a prepared
 * statement); a plpgsql function's plan is cached for the session. Measured on the shared corpus in
 * PGlite: 6.2–8.8 ms p50 direct, 2.3–3.5 ms through the function, the same ranking. Named by a hash
 * of the statement, so the database never runs an older body than the code's.
 */
export const PRUNED_SCORE_FUNCTION = `quire_pruned_score_${createHash("sha256").update(PRUNED_SCORE_SQL).digest("hex").slice(0, 12)}`;

const PRUNED_SCORE_FUNCTION_SQL = `CREATE FUNCTION ${PRUNED_SCORE_FUNCTION}(text[], float8[], integer)
RETURNS TABLE (exact boolean, chunks float8, average float8, id text, path text, title text, heading text, url text,
               content text, score float8, matched text[], rank_id bigint, dfs jsonb)
LANGUAGE plpgsql STABLE AS $quire$
#variable_conflict use_column
BEGIN
  RETURN QUERY ${PRUNED_SCORE_SQL};
END
$quire$`;

export const CALL_PRUNED_SCORE_SQL = `SELECT * FROM ${PRUNED_SCORE_FUNCTION}($1::text[], $2::float8[], $3::integer)`;

/**
 * Creates this code's function when the database lacks it (after migrations, on writable opens).
 * A role that may not create functions, or a race with another instance, leaves it missing:
 * searches then run the statement directly, the same answer a little slower.
 */
export async function ensurePrunedScoreFunction(executor: SqlExecutor): Promise<void> {
  try {
    const rows = await executor.query(`SELECT to_regprocedure('${PRUNED_SCORE_FUNCTION}(text[], float8[], integer)')::text AS name`);
    if (rows[0]?.name == null) await executor.exec(PRUNED_SCORE_FUNCTION_SQL);
  } catch {
    // The fallback in lexical-index.ts covers it.
  }
}

/** PostgreSQL's undefined_function: the database has no function for this code's statement. */
export function isUndefinedFunction(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === "42883";
}
