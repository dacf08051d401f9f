import { z } from "zod";
import { analyzeChunk, analyzeQuery, ANALYZER_VERSION } from "@/src/server/rag/lexical/analyze";
import { BM25, bm25Sql, idf, type CorpusStatistics } from "@/src/server/rag/lexical/bm25";
import { chooseCorrection, needsCorrection } from "@/src/server/rag/lexical/correct";
import { parseRows, scoredChunkRowSchema } from "@/src/server/rag/store/rows";
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
 * - `quire_meta.lexicon`: the analyzer version that wrote the postings.
 *
 * Scoring reads document frequencies and corpus statistics from the postings
 * and chunks themselves, so ranking is exact right after any write.
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

const lexiconMetaSchema = z.object({ analyzerVersion: z.number().int(), terms: z.number().int().nonnegative() });

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
    const rows = await executor.query("SELECT count(*)::int AS terms FROM lexicon");
    const meta = { analyzerVersion: ANALYZER_VERSION, terms: Number(rows[0]?.terms ?? 0) };
    await executor.query(
      "INSERT INTO quire_meta (key, value) VALUES ('lexicon', $1::jsonb) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      [JSON.stringify(meta)],
    );
  });
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

const termRowSchema = z.object({ term: z.string(), df: z.coerce.number() });
const candidateRowSchema = z.object({ query: z.string(), term: z.string(), df: z.coerce.number(), word: z.string() });
/** Trigram similarity (pg_trgm `%`) a vocabulary term needs to be a candidate; the edit distance then decides. */
const TRIGRAM_THRESHOLD = 0.15;
const CANDIDATES_PER_TERM = 24;

/** The question's terms with their document frequencies, unknown ones corrected where the corpus has a close term. */
async function resolveTerms(executor: SqlExecutor, question: string, stats: CorpusStatistics): Promise<SearchedTerm[]> {
  const analyzed = analyzeQuery(question);
  if (analyzed.length === 0) return [];
  // Document frequencies come from the postings themselves, so they are exact even before the lexicon is refreshed.
  const known = new Map(
    parseRows(
      termRowSchema,
      await executor.query("SELECT term, count(*)::int AS df FROM chunk_terms WHERE term = ANY($1::text[]) GROUP BY term", [
        analyzed.map((term) => term.term),
      ]),
    ).map((row) => [row.term, row.df]),
  );
  const unknown = analyzed.filter((term) => needsCorrection(term.term, known.get(term.term) ?? 0)).map((term) => term.term);
  const candidates = new Map<string, { term: string; df: number; word: string }[]>();
  if (unknown.length > 0) {
    const rows = await executor.query(
      `SELECT q.term AS query, l.term, l.df, l.word FROM unnest($1::text[]) AS q(term)
       CROSS JOIN LATERAL (SELECT term, df, word FROM lexicon WHERE term % q.term
                           ORDER BY similarity(term, q.term) DESC, df DESC, term LIMIT $2) AS l`,
      [unknown, CANDIDATES_PER_TERM],
    );
    for (const row of parseRows(candidateRowSchema, rows)) candidates.set(row.query, [...(candidates.get(row.query) ?? []), row]);
  }
  const resolved = new Map<string, SearchedTerm>();
  for (const term of analyzed) {
    const df = known.get(term.term) ?? 0;
    const options = candidates.get(term.term) ?? [];
    const correction = df === 0 ? chooseCorrection(term.term, options, term.surface) : null;
    const next: SearchedTerm = correction
      ? {
          term: correction.term,
          surface: term.surface,
          weight: term.weight * BM25.correctedWeight,
          df: correction.df,
          idf: idf(correction.df, stats.chunks),
          correctedFrom: term.term,
          ...(correction.word !== undefined && { correctedWord: correction.word }),
        }
      : { term: term.term, surface: term.surface, weight: term.weight, df, idf: idf(df, stats.chunks) };
    const existing = resolved.get(next.term);
    if (!existing || existing.weight < next.weight) resolved.set(next.term, next);
  }
  return [...resolved.values()];
}

async function corpusStatistics(executor: SqlExecutor): Promise<CorpusStatistics> {
  const rows = await executor.query("SELECT count(*)::int AS chunks, coalesce(avg(body_terms), 0)::float8 AS average FROM chunks");
  return { chunks: Number(rows[0]?.chunks ?? 0), averageBodyLength: Number(rows[0]?.average ?? 0) };
}

const hitRowSchema = z.object({ matched: z.array(z.string()) }).passthrough();

/** BM25F search: the k best chunks for the question, with the terms each one matched. */
export async function searchLexical(client: SqlClient, question: string, k: number): Promise<TextSearchResult> {
  // pg_trgm's `%` reads its threshold from the session; set it per transaction so a pooled connection is not changed.
  return client.transaction(async (executor) => {
    const stats = await corpusStatistics(executor);
    if (stats.chunks === 0) return { hits: [], terms: [], chunks: 0 };
    await executor.exec(`SET LOCAL pg_trgm.similarity_threshold = ${TRIGRAM_THRESHOLD}`);
    const terms = await resolveTerms(executor, question, stats);
    const searchable = terms.filter((term) => term.df > 0);
    if (searchable.length === 0) return { hits: [], terms, chunks: stats.chunks };
    const rows = await executor.query(
      `WITH q AS (SELECT * FROM unnest($1::text[], $2::float8[], $3::float8[]) AS q(term, weight, df)),
            s AS (SELECT $4::float8 AS chunks, $5::float8 AS avg_body),
            scored AS (
              SELECT p.chunk_id, sum(${bm25Sql()}) AS score, array_agg(p.term ORDER BY p.term) AS matched
              FROM q JOIN chunk_terms p ON p.term = q.term CROSS JOIN s
              GROUP BY p.chunk_id ORDER BY score DESC, p.chunk_id LIMIT $6)
       SELECT c.id::text AS id, d.path, c.title, c.heading, c.url, c.content, scored.score::float8 AS score, scored.matched
       FROM scored JOIN chunks c ON c.id = scored.chunk_id JOIN documents d ON d.id = c.document_id
       ORDER BY scored.score DESC, c.id`,
      [
        searchable.map((term) => term.term),
        searchable.map((term) => term.weight),
        searchable.map((term) => term.df),
        stats.chunks,
        stats.averageBodyLength,
        k,
      ],
    );
    const hits = rows.map((row) => ({ ...scoredChunkRowSchema.parse(row), matchedTerms: hitRowSchema.parse(row).matched }));
    return { hits, terms, chunks: stats.chunks };
  });
}
