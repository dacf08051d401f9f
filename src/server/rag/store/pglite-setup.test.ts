import { describe, expect, it } from "vitest";
import { autoSharedBuffers } from "@/src/server/rag/store/pglite-setup";

const MB = 1024 * 1024;

describe("autoSharedBuffers", () => {
  it("keeps PostgreSQL's 128 MB for a small or new index, a third of a large one, at most 1 GB", () => {
    expect(autoSharedBuffers(0)).toBe("128MB");
    expect(autoSharedBuffers(60 * MB)).toBe("128MB");
    expect(autoSharedBuffers(1794 * MB)).toBe("598MB");
    expect(autoSharedBuffers(20_000 * MB)).toBe("1024MB");
  });
});
