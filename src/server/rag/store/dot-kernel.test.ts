import { describe, expect, it } from "vitest";
import { createDotKernel, simdAvailable } from "@/src/server/rag/store/dot-kernel";

/** Deterministic values in [-1, 1). */
function values(seed: number, count: number): number[] {
  let state = seed + 1;
  return Array.from({ length: count }, () => {
    state = (state * 16_807) % 2_147_483_647;
    return state / 1_073_741_823.5 - 1;
  });
}

describe("createDotKernel", () => {
  it("has WebAssembly SIMD on this Node.js", () => {
    expect(simdAvailable).toBe(true);
  });

  // Dimensions that are and are not a multiple of four (the SIMD rows are padded), one row and many.
  for (const [count, dimensions] of [
    [1, 4],
    [7, 3],
    [300, 1024],
    [33, 1023],
  ] as const) {
    it(`gives every row's dot product with the query, in SIMD and in JavaScript (${count} × ${dimensions})`, () => {
      const rows = Array.from({ length: count }, (_, row) => values(row, dimensions));
      const query = values(10_000, dimensions);
      const expected = rows.map((row) => row.reduce((sum, value, index) => sum + Math.fround(value) * Math.fround(query[index]!), 0));
      for (const simd of [true, false]) {
        const kernel = createDotKernel(count, dimensions, { simd });
        rows.forEach((row, index) => kernel.row(index).set(row));
        const scores = kernel.scores(query);
        expect(scores).toHaveLength(count);
        scores.forEach((score, index) => expect(score).toBeCloseTo(expected[index]!, 3));
        // A second query reuses the kernel: nothing of the first is left over.
        const again = kernel.scores(query.map((value) => -value));
        again.forEach((score, index) => expect(score).toBeCloseTo(-expected[index]!, 3));
      }
    });
  }

  it("keeps rows apart: a row's padding and its neighbours do not leak into its product", () => {
    const kernel = createDotKernel(3, 5);
    kernel.row(0).set([1, 0, 0, 0, 0]);
    kernel.row(1).set([0, 0, 0, 0, 1]);
    kernel.row(2).set([0, 1, 0, 0, 0]);
    expect([...kernel.scores([0, 0, 0, 0, 2])]).toEqual([0, 2, 0]);
    expect([...kernel.scores([3, 4, 0, 0, 0])]).toEqual([3, 0, 4]);
  });

  it("handles no rows", () => {
    expect([...createDotKernel(0, 8).scores(values(1, 8))]).toEqual([]);
  });
});
