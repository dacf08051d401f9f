import { describe, expect, it } from "vitest";
import { analyzeChunk, analyzeQuery } from "@/src/server/rag/lexical/analyze";
import { buildSystemPrompt } from "@/src/server/rag/prompt";
import { retrieveForChat, type RetrievedSource } from "@/src/server/rag/retrieve/retrieve-for-chat";
import { buildRetrievalQuery, isFollowUp } from "@/src/server/rag/retrieve/follow-up";
import { fuseByReciprocalRank } from "@/src/server/rag/retrieve/fuse";
import type { KnowledgeStore } from "@/src/server/rag/store";
import { sameEmbeddingSpace, type EmbeddingSpace, type ScoredChunk } from "@/src/server/rag/types";

const chunk = (id: string, text: string, score = 0.5): ScoredChunk => ({
  id, path: `${id}.md`, title: `Title ${id}`, heading: `Title ${id} > Part`, url: null, text, score,
});

/** A store double: only the read methods retrieval uses; writes are never called. */
function storeDouble(options: { text: ScoredChunk[]; vector: ScoredChunk[]; space: EmbeddingSpace | null }) {
  const calls = { vector: 0 };
  const unused = async (): Promise<never> => { throw new Error("not used by retrieval"); };
  const store: KnowledgeStore = {
    kind: "pglite", location: "memory", readOnly: true,
    close: async () => undefined, status: unused, embeddingSpace: async () => options.space,
    // Every question term counts as present once in the corpus (df 1), as the store would report it.
    // Each hit with the question terms it contains, as the store reports them from the postings.
    searchText: async (question) => ({
      hits: options.text.map((hit) => ({ ...hit, matchedTerms: analyzeQuery(question).map((term) => term.term).filter((term) => analyzeChunk(hit).terms.has(term)) })),
      chunks: options.text.length,
      terms: analyzeQuery(question).map((term) => ({ ...term, df: 1, idf: 1 })),
    }),
    searchVector: unused,
    // As the store does: the index's space, and hits only for a query in it.
    searchVectorInSpace: async (query) => {
      calls.vector++;
      const inSpace = options.space !== null && sameEmbeddingSpace(options.space, { model: query.model, dimensions: query.embedding.length });
      return { space: options.space, chunks: inSpace ? options.vector : [] };
    },
    listDocuments: unused, documentTitles: unused, replaceDocument: unused, removeDocuments: unused, upgradeLexicalIndex: unused, refreshLexicon: unused, countPendingEmbeddings: unused,
    pendingEmbeddings: unused, useEmbeddingSpace: unused, saveEmbeddings: unused, bulkLoadVectors: unused, explainVectorSearch: unused, getChunk: unused, getChunks: unused,
    recordIngest: unused, moveDocument: unused, listSources: unused, recordSource: unused, removeSource: unused, countDocumentsByPrefix: unused,
    exclusive: (work) => work(),
  };
  return { store, calls };
}

const install = chunk("install", "Install the node on Linux with the update script and systemd.");
const windows = chunk("windows", "Windows is not supported; run the node in WSL on Windows.");
const space = { model: "BAAI/bge-m3", dimensions: 3 };

describe("follow-up expansion", () => {
  it("expands a follow-up with the previous question and leaves a full question alone", () => {
    expect(isFollowUp("and on Windows?")).toBe(true);
    expect(isFollowUp("what about it?")).toBe(true);
    expect(isFollowUp("On macOS?")).toBe(true);
    expect(isFollowUp("Why?")).toBe(true);
    expect(isFollowUp("What is QNS?")).toBe(false);
    expect(isFollowUp("How do I configure the worker port range in config.yml?")).toBe(false);
    const messages = [
      { role: "user" as const, text: "How do I install a node on Linux?" },
      { role: "assistant" as const, text: "Use the update script [1]." },
      { role: "user" as const, text: "and on Windows?" },
    ];
    expect(buildRetrievalQuery(messages)).toBe("How do I install a node on Linux?\nand on Windows?");
    expect(buildRetrievalQuery([{ role: "user", text: "What is QNS?" }])).toBe("What is QNS?");
  });
});

describe("reciprocal rank fusion", () => {
  it("puts a chunk found by both lists first", () => {
    const fused = fuseByReciprocalRank([windows, install], [install, chunk("other", "x")]);
    expect(fused.map((entry) => entry.id)).toEqual(["install", "windows", "other"]);
    expect(fused[0]).toMatchObject({ vectorRank: 2, textRank: 1 });
    expect(fused[0]!.fusedScore).toBeCloseTo(1 / 62 + 1 / 61);
  });
});

describe("retrieveForChat", () => {
  it("fuses vector and full-text results and numbers the sources from 1", async () => {
    const { store } = storeDouble({ text: [install], vector: [windows, install], space });
    const result = await retrieveForChat({
      store,
      messages: [{ role: "user", text: "install node linux" }],
      embedQuery: async () => ({ embedding: [1, 0, 0], model: "baai/bge-m3" }),
      k: 2,
    });
    expect(result.mode).toBe("hybrid");
    expect(result.fallbackReason).toBeUndefined();
    expect(result.sources.map((source) => [source.index, source.id])).toEqual([[1, "install"], [2, "windows"]]);
    expect(result.weak).toBe(false);
  });

  it("takes a full-text hit's terms from the search (its postings), and analyzes only the chunks that vectors alone found", async () => {
    const { store } = storeDouble({ text: [install], vector: [windows], space });
    const searched = await store.searchText("install windows", 5);
    // The postings say what the chunk contains, whatever the text held when this was asked.
    const stale = { ...store, searchText: async () => ({ ...searched, hits: searched.hits.map((hit) => ({ ...hit, text: "rewritten", matchedTerms: ["instal"] })) }) };
    const result = await retrieveForChat({ store: stale, messages: [{ role: "user", text: "install windows" }], embedQuery: async () => ({ embedding: [1, 0, 0], model: "BAAI/bge-m3" }) });
    const terms = Object.fromEntries(result.sources.map((source) => [source.id, source.explain.matchedTerms.map((term) => term.term)]));
    expect(terms).toEqual({ install: ["instal"], windows: ["window"] });
  });

  it("falls back to full text when the query embedding fails, does not match the index, or is unavailable", async () => {
    const failing = storeDouble({ text: [install], vector: [windows], space });
    const failed = await retrieveForChat({
      store: failing.store, messages: [{ role: "user", text: "install node" }],
      embedQuery: async () => { throw new Error("Rate limited by the provider."); },
    });
    expect(failed).toMatchObject({ mode: "fulltext", fallbackReason: expect.stringMatching(/Rate limited/) });

    const mismatched = storeDouble({ text: [install], vector: [windows], space });
    const other = await retrieveForChat({
      store: mismatched.store, messages: [{ role: "user", text: "install node" }],
      embedQuery: async () => ({ embedding: [1, 0, 0, 0], model: "other/model" }),
    });
    expect(other.mode).toBe("fulltext");
    expect(other.fallbackReason).toMatch(/other\/model \(4d\).*BAAI\/bge-m3 \(3d\)/);
    expect(mismatched.calls.vector).toBe(1);

    const none = await retrieveForChat({ store: storeDouble({ text: [install], vector: [], space: null }).store, messages: [{ role: "user", text: "install" }], embedQuery: null });
    expect(none).toMatchObject({ mode: "fulltext", fallbackReason: "no credential to embed the question" });
  });

  it("flags weak retrieval when nothing shares the question's terms", async () => {
    const { store } = storeDouble({ text: [install], vector: [], space: null });
    const result = await retrieveForChat({ store, messages: [{ role: "user", text: "sourdough bread recipe" }], embedQuery: null });
    expect(result.weak).toBe(true);
    const empty = await retrieveForChat({ store: storeDouble({ text: [], vector: [], space: null }).store, messages: [{ role: "user", text: "anything" }], embedQuery: null });
    expect(empty).toMatchObject({ weak: true, sources: [] });
  });
});

describe("the system prompt", () => {
  it("numbers the sources and tells the model to cite them; a weak retrieval adds the not-covered rule", () => {
    const source: RetrievedSource = {
      ...install, index: 1, snippet: "s", score: 0.03, url: "https://docs.example/install#linux", explain: { fusedScore: 0.03, matchedTerms: [] },
    };
    const prompt = buildSystemPrompt({ sources: [source], weak: false });
    expect(prompt).toContain('[1] Title install > Part\nFile: install.md\nURL: https://docs.example/install#linux\n"""');
    expect(prompt).toMatch(/Cite every claim .* \[1\]/);
    expect(prompt).not.toContain("does not cover it");
    expect(buildSystemPrompt({ sources: [source], weak: true })).toContain("the documentation does not cover it");
    expect(buildSystemPrompt({ sources: [], weak: true })).toContain("(no sources were found)");
  });
});
