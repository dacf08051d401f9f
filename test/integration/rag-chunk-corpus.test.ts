import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkChunkInvariants } from "@/src/server/rag/chunk/chunk-invariants";
import { chunkDocument, DEFAULT_CHUNKING } from "@/src/server/rag/chunk/chunker";
import { listDocumentFiles, loadDocument } from "@/src/server/rag/load/load-documents";

export const corpusDir = path.resolve(import.meta.dirname, "../../../shared/corpus/quilibrium-docs");

const available = existsSync(corpusDir);

describe.skipIf(!available)(
  available ? "chunker on the real corpus" : "chunker on the real corpus (skipped: ../shared/corpus is not beside the repository)",
  () => {
  it("holds every invariant on every file, at the default and a small target", async () => {
    const files = await listDocumentFiles(corpusDir);
    expect(files.length).toBeGreaterThan(300);
    const problems: string[] = [];
    let bare = 0;
    for (const file of files) {
      const document = await loadDocument(corpusDir, file);
      for (const options of [DEFAULT_CHUNKING, { targetTokens: 150, overlapTokens: 20 }]) {
        const chunks = chunkDocument(document, options);
        problems.push(...checkChunkInvariants(document, chunks, options.targetTokens));
        // A bare heading (one line) is allowed only when it is the whole document.
        if (chunks.length > 1) bare += chunks.filter((chunk) => chunk.text.trim().split("\n").length === 1 && chunk.text.startsWith("#")).length;
      }
    }
    expect(problems).toEqual([]);
    expect(bare).toBe(0);
  });
  },
);
