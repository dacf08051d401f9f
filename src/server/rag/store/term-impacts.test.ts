import { describe, expect, it } from "vitest";
import { decodePostings, topChunks, type PostingList } from "@/src/server/rag/store/term-impacts";

/** Packs postings the way the refresh's SQL does: int4send(id) || float8send(frequency), base64. */
function pack(postings: readonly [id: number, frequency: number][]): string {
  const bytes = Buffer.alloc(postings.length * 12);
  postings.forEach(([id, frequency], index) => {
    bytes.writeInt32BE(id, index * 12);
    bytes.writeDoubleBE(frequency, index * 12 + 4);
  });
  return bytes.toString("base64");
}

function list(coefficient: number, postings: readonly [number, number][]): PostingList {
  return { coefficient, ...decodePostings(pack(postings)) };
}

/** One posting's score as bm25Sql evaluates it (k1 = 1.2), left to right. */
const score = (coefficient: number, frequency: number) => (coefficient * (frequency * 2.2)) / (frequency + 1.2);

describe("packed posting lists", () => {
  it("decode what the refresh packs, ids up to int32 and float8 frequencies exactly", () => {
    const decoded = decodePostings(pack([[1, 0.1], [70_000, 3.25], [2 ** 31 - 1, 1 / 3]]));
    expect(Array.from(decoded.ids)).toEqual([1, 70_000, 2 ** 31 - 1]);
    expect(Array.from(decoded.frequencies)).toEqual([0.1, 3.25, 1 / 3]);
    expect(decodePostings("").ids).toHaveLength(0);
  });

  it("refuse a value that is not whole postings", () => {
    expect(() => decodePostings(Buffer.alloc(13).toString("base64"))).toThrow(/not whole postings/);
  });

  it("rank by the summed score, the terms added in list order, ties by the lower id", () => {
    const a = list(2, [[1, 1], [2, 1], [5, 4], [9, 1]]);
    const b = list(0.5, [[2, 2], [3, 1], [9, 1]]);
    const top = topChunks([a, b], 3);
    const expected = [
      { id: 5, score: score(2, 4) },
      { id: 2, score: score(2, 1) + score(0.5, 2) },
      // 9 and 2 differ; 9 ties with nobody; 1 and 3 score less.
      { id: 9, score: score(2, 1) + score(0.5, 1) },
    ].sort((x, y) => y.score - x.score || x.id - y.id);
    expect(top.map(({ id, score: value }) => ({ id, score: value }))).toEqual(expected);
    expect(top.find((chunk) => chunk.id === 2)?.lists).toEqual([0, 1]);
    expect(top.find((chunk) => chunk.id === 5)?.lists).toEqual([0]);
  });

  it("break exact ties by id, whatever the order the chunks were met in", () => {
    const tied = list(1, [[4, 2], [7, 2], [8, 2], [11, 2]]);
    expect(topChunks([tied], 2).map((chunk) => chunk.id)).toEqual([4, 7]);
    expect(topChunks([tied], 10).map((chunk) => chunk.id)).toEqual([4, 7, 8, 11]);
  });

  it("count a term asked twice twice, and return nothing for k = 0 or no lists", () => {
    const once = list(1, [[3, 1]]);
    const [twice] = topChunks([once, once], 1);
    expect(twice?.score).toBe(score(1, 1) + score(1, 1));
    expect(topChunks([once], 0)).toEqual([]);
    expect(topChunks([], 5)).toEqual([]);
  });

  it("keep the k best of many, as a full sort would", () => {
    let seed = 11;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const lists = [1.5, 0.7, 2.2].map((coefficient) => {
      const ids = [...new Set(Array.from({ length: 400 }, () => 1 + Math.floor(random() * 1000)))].sort((x, y) => x - y);
      return list(coefficient, ids.map((id) => [id, Math.round(random() * 8) / 2] as [number, number]));
    });
    const all = new Map<number, number>();
    for (const { coefficient, ids, frequencies } of lists) {
      ids.forEach((id, index) => all.set(id, (all.get(id) ?? 0) + score(coefficient, frequencies[index]!)));
    }
    const expected = [...all].map(([id, value]) => ({ id, score: value })).sort((x, y) => y.score - x.score || x.id - y.id).slice(0, 25);
    expect(topChunks(lists, 25).map(({ id, score: value }) => ({ id, score: value }))).toEqual(expected);
  });
});
