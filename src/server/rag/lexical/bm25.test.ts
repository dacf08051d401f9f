import { describe, expect, it } from "vitest";
import type { FieldFrequencies } from "@/src/server/rag/lexical/analyze";
import { BM25, bm25Sql, idf, pseudoFrequency, termScore } from "@/src/server/rag/lexical/bm25";

const statistics = { chunks: 100, averageBodyLength: 50 };
const inBody = (body: number): FieldFrequencies => ({ title: 0, heading: 0, body });

/** The score of one term with weight 1, df 5 and a body of average length unless told otherwise. */
function score(frequencies: FieldFrequencies, options: { bodyLength?: number; documentFrequency?: number; queryWeight?: number } = {}): number {
  return termScore({
    frequencies,
    bodyLength: options.bodyLength ?? statistics.averageBodyLength,
    documentFrequency: options.documentFrequency ?? 5,
    queryWeight: options.queryWeight ?? 1,
    statistics,
  });
}

describe("inverse document frequency", () => {
  it("is Lucene's ln(1 + (N - df + 0.5) / (df + 0.5))", () => {
    expect(idf(1, 10)).toBeCloseTo(Math.log(1 + 9.5 / 1.5), 12);
    expect(idf(0, 10)).toBeCloseTo(Math.log(22), 12);
  });

  it("decreases as more chunks contain the term", () => {
    const values = [0, 1, 5, 50, 99, 100].map((df) => idf(df, 100));
    for (let index = 1; index < values.length; index++) expect(values[index]!).toBeLessThan(values[index - 1]!);
  });

  it("stays positive for a term in every chunk", () => {
    expect(idf(10, 10)).toBeGreaterThan(0);
    expect(idf(10, 10)).toBeCloseTo(Math.log(1 + 0.5 / 10.5), 12);
    expect(idf(1, 1)).toBeGreaterThan(0);
  });
});

describe("pseudo-frequency", () => {
  it("weights the title and heading up and normalises the body by its length", () => {
    expect(pseudoFrequency({ title: 1, heading: 0, body: 0 }, 50, 50)).toBe(BM25.weights.title);
    expect(pseudoFrequency({ title: 0, heading: 1, body: 0 }, 50, 50)).toBe(BM25.weights.heading);
    expect(pseudoFrequency(inBody(1), 50, 50)).toBe(1);
    // norm = 1 - b + b * 100 / 50 = 1.75
    expect(pseudoFrequency(inBody(1), 100, 50)).toBeCloseTo(1 / 1.75, 12);
    // A body shorter than average counts more; title and heading are not normalised.
    expect(pseudoFrequency(inBody(1), 0, 50)).toBeCloseTo(1 / (1 - BM25.b), 12);
    expect(pseudoFrequency({ title: 1, heading: 1, body: 0 }, 500, 50)).toBe(BM25.weights.title + BM25.weights.heading);
  });

  it("treats an average body length below 1 as 1", () => {
    expect(pseudoFrequency(inBody(1), 1, 0)).toBe(1);
  });
});

describe("a term's score", () => {
  it("is idf × saturated frequency × the query weight", () => {
    // A body tf of 1 at the average length: tf (k1 + 1) / (tf + k1) = 1.
    expect(score(inBody(1))).toBeCloseTo(idf(5, 100), 12);
    expect(score({ title: 1, heading: 0, body: 0 })).toBeCloseTo((idf(5, 100) * 2 * (BM25.k1 + 1)) / (2 + BM25.k1), 12);
  });

  it("is 0 when the chunk does not contain the term", () => {
    expect(score(inBody(0))).toBe(0);
  });

  it("is higher for a rarer term", () => {
    expect(score(inBody(1), { documentFrequency: 2 })).toBeGreaterThan(score(inBody(1), { documentFrequency: 20 }));
  });

  it("is lower in a longer body for the same frequency", () => {
    expect(score(inBody(2), { bodyLength: 200 })).toBeLessThan(score(inBody(2), { bodyLength: 50 }));
    expect(score(inBody(2), { bodyLength: 50 })).toBeLessThan(score(inBody(2), { bodyLength: 10 }));
  });

  it("weighs a title match over a body match, and a heading match over a title match", () => {
    expect(BM25.weights.title).toBeGreaterThan(BM25.weights.body);
    expect(BM25.weights.heading).toBeGreaterThan(BM25.weights.body);
    expect(score({ title: 1, heading: 0, body: 0 })).toBeGreaterThan(score(inBody(1)));
    expect(score({ title: 0, heading: 1, body: 0 })).toBeGreaterThan(score({ title: 1, heading: 0, body: 0 }));
  });

  it("saturates: grows with the frequency, less with each repeat, and stays below idf × (k1 + 1) × weight", () => {
    const scores = [1, 2, 3, 10, 100, 10_000].map((tf) => score(inBody(tf), { queryWeight: 0.5 }));
    const bound = idf(5, 100) * (BM25.k1 + 1) * 0.5;
    for (let index = 1; index < scores.length; index++) expect(scores[index]!).toBeGreaterThan(scores[index - 1]!);
    // Concave: the second repeat adds less than the first occurrence, the third less than the second.
    expect(scores[1]! - scores[0]!).toBeLessThan(scores[0]!);
    expect(scores[2]! - scores[1]!).toBeLessThan(scores[1]! - scores[0]!);
    for (const value of scores) expect(value).toBeLessThan(bound);
    expect(scores.at(-1)!).toBeGreaterThan(0.99 * bound);
  });

  it("scales with the query weight; a corrected term counts less than one typed right", () => {
    expect(BM25.correctedWeight).toBeGreaterThan(0);
    expect(BM25.correctedWeight).toBeLessThan(1);
    expect(score(inBody(3), { queryWeight: BM25.correctedWeight })).toBeCloseTo(BM25.correctedWeight * score(inBody(3)), 12);
    expect(score(inBody(3), { queryWeight: 0.5 })).toBeCloseTo(score(inBody(3)) / 2, 12);
  });
});

describe("the SQL twin", () => {
  it("uses the same constants, all float8 (numeric arithmetic is slow), over the given aliases", () => {
    const sql = bm25Sql();
    const f = (value: number) => `${value}::float8`;
    expect(sql).toContain(`${f(BM25.weights.title)} * p.tf_title`);
    expect(sql).toContain(`${f(BM25.weights.heading)} * p.tf_heading`);
    expect(sql).toContain(`${f(BM25.weights.body)} * p.tf_body`);
    expect(sql).toContain(`${f(1 - BM25.b)} + ${f(BM25.b)} * p.body_length / greatest(s.avg_body, ${f(1)})`);
    expect(sql).toContain(`ln(${f(1)} + (s.chunks - q.df + ${f(0.5)}) / (q.df + ${f(0.5)}))`);
    expect(sql).toContain(`* ${f(BM25.k1 + 1)})`);
    expect(sql).toContain(`+ ${f(BM25.k1)})`);
    expect(sql.startsWith("q.weight * ")).toBe(true);
    expect(sql).not.toMatch(/[^:\w.]\d+\.\d+(?!::float8|\d)/);
    const aliased = bm25Sql({ posting: "x", query: "x", stats: "t" });
    expect(aliased).toContain("x.tf_title");
    expect(aliased).toContain("t.avg_body");
    expect(aliased).not.toMatch(/\b[pqs]\./);
  });
});
