import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "@/src/server/errors";
import type { EmbedFunction } from "@/src/server/rag/ingest/embedder";
import { ingestDirectory } from "@/src/server/rag/ingest/ingest";
import { openStore, type KnowledgeStore } from "@/src/server/rag/store";
import { fakeEmbedding } from "@/test/fakes/embedding";

const chunking = { targetTokens: 120, overlapTokens: 20, baseUrl: "https://docs.example.com" };
const noWait = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => undefined };

function countingEmbed(model = "BAAI/bge-m3"): EmbedFunction & { calls: string[][] } {
  const calls: string[][] = [];
  const embed = async (texts: string[]) => {
    calls.push(texts);
    return { embeddings: texts.map(fakeEmbedding), model, dimensions: 1024 };
  };
  return Object.assign(embed, { calls, model });
}

const page = (title: string, sections: number) =>
  `---\ntitle: ${title}\n---\n# ${title}\n\n` +
  Array.from({ length: sections }, (_, index) => `## Part ${index}\n\n${`${title} part ${index} explains setup marker${index}x. `.repeat(20)}`).join("\n\n");

describe("ingestDirectory", () => {
  let docs: string;
  let store: KnowledgeStore;
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(docs, file)), { recursive: true });
    writeFileSync(path.join(docs, file), text);
  };
  const run = (embed: EmbedFunction | null, batch = 4) =>
    ingestDirectory({ store, docsDir: docs, chunking, embed, embedBatchSize: batch, retry: noWait });

  beforeEach(async () => {
    docs = mkdtempSync(path.join(tmpdir(), "quire-ingest-"));
    write("guide/install.md", page("Install", 6));
    write("guide/config.mdx", `import X from './x';\n\n<X />\n\n${page("Config", 2)}`);
    write("notes.txt", "Plain notes about backups.");
    store = await openStore({ inMemory: true });
  });
  afterEach(async () => {
    await store.close();
    rmSync(docs, { recursive: true, force: true });
  });

  it("builds the full-text index without a key, and adds vectors on a later run with one", async () => {
    const first = await run(null);
    expect(first).toMatchObject({ added: 3, updated: 0, removed: 0, unchanged: 0, embedded: 0, embeddingCalls: 0 });
    expect(first.embeddingSkippedReason).toMatch(/no operator key/);
    const status = await store.status();
    expect(status).toMatchObject({ documents: 3, embeddedChunks: 0, embedding: null });
    expect((await store.searchText("backups", 3)).hits[0]?.path).toBe("notes.txt");

    const embed = countingEmbed();
    const second = await run(embed);
    expect(second).toMatchObject({ added: 0, unchanged: 3, embedded: status.chunks });
    expect(embed.calls.length).toBe(Math.ceil(status.chunks / 4));
    expect(await store.status()).toMatchObject({ embeddedChunks: status.chunks, embedding: { model: "BAAI/bge-m3", dimensions: 1024 } });
  });

  it("re-ingests an unchanged corpus with zero embedding calls", async () => {
    await run(countingEmbed());
    const embed = countingEmbed();
    const again = await run(embed);
    expect(again).toMatchObject({ added: 0, updated: 0, removed: 0, unchanged: 3, chunks: 0, embedded: 0 });
    expect(embed.calls).toEqual([]);
  });

  it("replaces all chunks of a changed file (no stale tail) and removes a deleted file's chunks", async () => {
    await run(countingEmbed());
    const before = await store.status();
    write("guide/install.md", page("Install", 1));
    rmSync(path.join(docs, "notes.txt"));
    const embed = countingEmbed();
    const summary = await run(embed);
    expect(summary).toMatchObject({ added: 0, updated: 1, removed: 1, unchanged: 1 });
    const after = await store.status();
    expect(after.documents).toBe(2);
    expect(after.chunks).toBeLessThan(before.chunks);
    expect(after.embeddedChunks).toBe(after.chunks);
    expect(embed.calls.flat().length).toBe(summary.chunks);
    expect((await store.searchText("marker5x", 10)).hits).toEqual([]);
    expect((await store.searchText("backups", 3)).hits).toEqual([]);
  });

  it("retries 429 and 5xx with backoff, and keeps the text index when embedding keeps failing", async () => {
    let failures = 2;
    const flaky = countingEmbed();
    const embed: EmbedFunction = async (texts) => {
      if (failures-- > 0) throw new AppError("rate_limited", "Rate limited by the provider.", { retryAfter: 0 });
      return flaky(texts);
    };
    const summary = await run(embed, 100);
    expect(summary.embeddingSkippedReason).toBeUndefined();
    expect(summary.embedded).toBeGreaterThan(0);

    await store.close();
    store = await openStore({ inMemory: true });
    let calls = 0;
    const broken: EmbedFunction = async () => {
      calls++;
      throw new AppError("invalid_credential", "The operator key was rejected.");
    };
    const failed = await run(broken);
    expect(calls).toBe(1);
    expect(failed.embeddingSkippedReason).toMatch(/operator key was rejected/);
    expect((await store.status()).documents).toBe(3);
  });

  it("re-embeds everything when the embedding model changes", async () => {
    await run(countingEmbed("BAAI/bge-m3"));
    const chunks = (await store.status()).chunks;
    const other = countingEmbed("other/model");
    const summary = await run(other, 1000);
    expect(summary.embedded).toBe(chunks);
    expect((await store.status()).embedding?.model).toBe("other/model");
  });

  it("re-embeds the chunks below the first batch too when that batch reveals a new model", async () => {
    await run(countingEmbed("BAAI/bge-m3"));
    write("later.md", page("Later", 3));
    // A key whose model is not known in advance: the space changes only once its first answer arrives,
    // after the older chunks (lower ids than the new file's) have lost their vectors.
    const calls: string[][] = [];
    const unnamed: EmbedFunction = async (texts) => {
      calls.push(texts);
      return { embeddings: texts.map(fakeEmbedding), model: "other/model", dimensions: 1024 };
    };
    const summary = await run(unnamed, 2);
    const status = await store.status();
    expect(status.embedding?.model).toBe("other/model");
    expect(await store.countPendingEmbeddings()).toBe(0);
    expect(summary.embedded).toBe(status.chunks);
    // Each chunk embedded once: the cursor never rereads a chunk it has passed.
    expect(calls.flat().length).toBe(status.chunks);
  });

  it("redoes files when the chunking settings change", async () => {
    await run(null);
    const summary = await ingestDirectory({ store, docsDir: docs, chunking: { ...chunking, targetTokens: 200 }, embed: null, embedBatchSize: 4 });
    expect(summary.updated).toBe(3);
  });
});
