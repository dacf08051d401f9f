import "server-only";
import type { FieldFrequencies } from "@/src/server/rag/lexical/analyze";

/**
 * BM25F scoring (Robertson & Zaragoza, "The Probabilistic Relevance Framework:
 * BM25 and Beyond", 2009), the ranking of the full-text index. Per term of the
 * question, the field frequencies are combined into one pseudo-frequency (the
 * body's normalised by its length, the short title and heading path weighted
 * up), then saturated with k1 and multiplied by the term's inverse document
 * frequency. The store runs the same formula in SQL (`bm25Sql`); this module is
 * its specification and the reference the tests compare the SQL against.
 */
export const BM25 = {
  k1: 1.2,
  /** Length normalisation of the body (0: none, 1: full). Title and heading are short and not normalised. */
  b: 0.75,
  weights: { title: 2, heading: 3, body: 1 },
  /** A corrected term ("bukcet" → "bucket") counts a little less than one the user typed right. */
  correctedWeight: 0.8,
} as const;

/** Robertson–Spärck Jones IDF with the +1 that keeps it positive for terms in most chunks (Lucene's form). */
export function idf(documentFrequency: number, chunkCount: number): number {
  return Math.log(1 + (chunkCount - documentFrequency + 0.5) / (documentFrequency + 0.5));
}

export interface CorpusStatistics {
  chunks: number;
  averageBodyLength: number;
}

/** BM25F pseudo-frequency of one term in one chunk. */
export function pseudoFrequency(frequencies: FieldFrequencies, bodyLength: number, averageBodyLength: number): number {
  const norm = 1 - BM25.b + (BM25.b * bodyLength) / Math.max(1, averageBodyLength);
  return BM25.weights.title * frequencies.title + BM25.weights.heading * frequencies.heading + (BM25.weights.body * frequencies.body) / norm;
}

/** One term's contribution: IDF × saturated pseudo-frequency × the query term's weight. */
export function termScore(input: {
  frequencies: FieldFrequencies;
  bodyLength: number;
  documentFrequency: number;
  queryWeight: number;
  statistics: CorpusStatistics;
}): number {
  const tf = pseudoFrequency(input.frequencies, input.bodyLength, input.statistics.averageBodyLength);
  if (tf <= 0) return 0;
  return input.queryWeight * idf(input.documentFrequency, input.statistics.chunks) * ((tf * (BM25.k1 + 1)) / (tf + BM25.k1));
}

/**
 * The score expression over a posting row (tf_title, tf_heading, tf_body,
 * body_length), the query term's `weight` and `df` and the corpus statistics
 * (`chunks`, `avg_body`), under the given table aliases — the SQL twin of `termScore`.
 */
// Every constant is float8: a bare 0.75 is numeric in SQL, and numeric arithmetic made scoring several times slower.
const f = (value: number) => `${value}::float8`;

/** `pseudoFrequency` in SQL over a posting row under alias `posting`, with the average body length an SQL expression. */
export function pseudoFrequencySql(posting: string, averageBodyLength: string): string {
  const { b, weights } = BM25;
  const p = posting;
  return `(${f(weights.title)} * ${p}.tf_title + ${f(weights.heading)} * ${p}.tf_heading + ${f(weights.body)} * ${p}.tf_body / (${f(1 - b)} + ${f(b)} * ${p}.body_length / greatest(${averageBodyLength}, ${f(1)})))`;
}

/** `idf` in SQL, over SQL expressions for a term's document frequency and the number of chunks. */
export function idfSql(df: string, chunks: string): string {
  return `ln(${f(1)} + (${chunks} - ${df} + ${f(0.5)}) / (${df} + ${f(0.5)}))`;
}

export function bm25Sql(alias: { posting: string; query: string; stats: string } = { posting: "p", query: "q", stats: "s" }): string {
  const { k1 } = BM25;
  const { posting: p, query: q, stats: s } = alias;
  const tf = pseudoFrequencySql(p, `${s}.avg_body`);
  return `${q}.weight * ${idfSql(`${q}.df`, `${s}.chunks`)} * (${tf} * ${f(k1 + 1)}) / (${tf} + ${f(k1)})`;
}
