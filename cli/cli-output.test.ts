import { describe, expect, it } from "vitest";
import { formatSummary } from "@/cli/commands/ingest";
import { describeRetrieval } from "@/cli/commands/status";
import type { CliOutput } from "@/cli/output";
import { createProgressReporter } from "@/src/server/commands/progress";
import type { StoreStatus } from "@/src/server/rag/store";

function capture(isTTY: boolean): CliOutput & { text: () => string } {
  let text = "";
  return {
    log: (line) => (text += `${line}\n`),
    error: (line) => (text += `${line}\n`),
    write: (chunk) => (text += chunk),
    isTTY,
    text: () => text,
  };
}

const status = (overrides: Partial<StoreStatus>): StoreStatus => ({
  kind: "pglite", location: "/data/index", documents: 3, chunks: 10, embeddedChunks: 10,
  embedding: { model: "BAAI/bge-m3", dimensions: 1024 }, lastIngest: null, ...overrides,
});

describe("quire status: retrieval mode", () => {
  it("says hybrid, or full text only with the reason", () => {
    expect(describeRetrieval(status({}), "baai/bge-m3")).toBe("hybrid (vector + full text)");
    expect(describeRetrieval(status({ embedding: null, embeddedChunks: 0 }), null)).toMatch(/^full text only: the index has no vectors/);
    expect(describeRetrieval(status({}), "other/model")).toMatch(/^full text only: questions are embedded with other\/model but the index holds BAAI\/bge-m3/);
    expect(describeRetrieval(status({ embeddedChunks: 7 }), null)).toMatch(/3 chunks have no vector yet/);
  });
});

describe("ingest progress and summary", () => {
  const events = [
    { stage: "scan", files: 2 },
    { stage: "file", done: 1, total: 2, path: "a.md", chunks: 3 },
    { stage: "file", done: 2, total: 2, path: "b.md", chunks: 2 },
    { stage: "embed-start", pending: 5, batches: 1 },
    { stage: "embed", batch: 1, batches: 1, embedded: 5 },
  ] as const;

  it("redraws one line on a TTY and prints plain lines otherwise", () => {
    const tty = capture(true);
    const ttyReporter = createProgressReporter(tty);
    events.forEach(ttyReporter.onProgress);
    ttyReporter.finish();
    expect(tty.text()).toContain("\r\u001b[2KFiles [████████████████████████] 2/2  chunks written 5");
    expect(tty.text()).toContain("Embedding [████████████████████████] batch 1/1  5 chunks");
    const plain = capture(false);
    const plainReporter = createProgressReporter(plain);
    events.forEach(plainReporter.onProgress);
    expect(plain.text()).not.toContain("\r");
    expect(plain.text()).toContain("Files 2/2, chunks written 5\n");
    expect(plain.text()).toContain("Embedding batch 1/1 (5 chunks)\n");
  });

  it("summarises added, updated, removed, unchanged and the time taken", () => {
    expect(formatSummary({ added: 1, updated: 2, removed: 3, unchanged: 4, chunks: 9, embedded: 9, embeddingCalls: 1, durationMs: 2500 })).toBe(
      "Done in 2.5 s: 1 added, 2 updated, 3 removed, 4 unchanged (9 chunks written; 9 chunks embedded in 1 calls).",
    );
  });
});
