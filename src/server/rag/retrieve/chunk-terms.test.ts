import { describe, expect, it } from "vitest";
import { analyzeChunk } from "@/src/server/rag/lexical/analyze";
import { CHUNK_TERMS_CACHE_SIZE, chunkTerms, chunkTermsCacheSize } from "@/src/server/rag/retrieve/chunk-terms";

const chunk = (id: string, text: string) => ({ id, title: "Nodes", heading: "Nodes > Setup", text });

describe("chunkTerms", () => {
  it("returns the terms analyzeChunk finds, and the same map for the same chunk", () => {
    const first = chunkTerms(chunk("c1", "Install the node with systemd."));
    expect([...first.keys()].sort()).toEqual([...analyzeChunk(chunk("c1", "Install the node with systemd.")).terms.keys()].sort());
    expect(chunkTerms(chunk("c1", "Install the node with systemd."))).toBe(first);
  });

  it("analyses a chunk again when its text changed under the same id", () => {
    const before = chunkTerms(chunk("c2", "Rewards are paid per frame."));
    const after = chunkTerms(chunk("c2", "Backups need the keys folder."));
    expect(after).not.toBe(before);
    expect(after.has("backup")).toBe(true);
    expect(after.has("reward")).toBe(false);
  });

  it("keeps at most CHUNK_TERMS_CACHE_SIZE chunks, dropping the least recently used", () => {
    const kept = chunkTerms(chunk("kept", "Kept in the cache."));
    const firstFiller = chunkTerms(chunk("filler-0", "Filler text 0."));
    for (let index = 1; index < CHUNK_TERMS_CACHE_SIZE + 10; index++) {
      chunkTerms(chunk(`filler-${index}`, `Filler text ${index}.`));
      // Used again every 100 chunks, so it is never the oldest.
      if (index % 100 === 0) chunkTerms(chunk("kept", "Kept in the cache."));
    }
    expect(chunkTermsCacheSize()).toBe(CHUNK_TERMS_CACHE_SIZE);
    expect(chunkTerms(chunk("kept", "Kept in the cache."))).toBe(kept);
    // The oldest went first: it is analysed afresh.
    expect(chunkTerms(chunk("filler-0", "Filler text 0."))).not.toBe(firstFiller);
    expect(chunkTermsCacheSize()).toBe(CHUNK_TERMS_CACHE_SIZE);
  });
});
