import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeProviders } from "@/test/fakes/server";
import { ingestWithCli } from "@/test/support/ingest";
import { call, CookieJar, readUiStream, startAppEnvironment, streamedText, userMessage } from "@/test/support/app-harness";
import { sourceFromPart } from "@/src/shared/sources";

let fakes: FakeProviders;
let chatRoute: typeof import("@/app/api/chat/route");
let chutesKeyRoute: typeof import("@/app/api/auth/chutes/key/route");
let openRouterKeyRoute: typeof import("@/app/api/auth/openrouter/key/route");

const docs: Record<string, string> = {
  "guide/install.md": [
    "---\ntitle: Installing Quire\n---\n# Installing Quire\n\n## Linux\n",
    "Download the tarball, unpack it into /opt/quire and run `quire serve`. The Linux installer needs glibc 2.31 or newer. ".repeat(3),
    "\n\n## Windows\n\n",
    "Run the MSI installer and accept the firewall prompt. Windows builds need the Visual C++ runtime and a recent PowerShell. ".repeat(3),
    "\n",
  ].join(""),
  "guide/staking.md": "# Staking rewards\n\nStaking locks tokens for an epoch. Rewards are paid out at the end of each epoch to the staking address.\n",
  "faq.txt": "Quire answers questions from documentation. It cites every source it uses.\n",
};

beforeAll(async () => {
  // Small chunks, so that the Linux and Windows sections are not merged into one.
  const environment = await startAppEnvironment({ QUIRE_CHUNK_TOKENS: "64", QUIRE_CHUNK_OVERLAP: "0" });
  fakes = environment.fakes;
  const docsDir = path.join(environment.dataDir, "docs");
  for (const [file, text] of Object.entries(docs)) {
    mkdirSync(path.dirname(path.join(docsDir, file)), { recursive: true });
    writeFileSync(path.join(docsDir, file), text);
  }
  process.env.QUIRE_DOCS_DIR = docsDir;
  // Ingest with an operator key, as `npm start` does, in its own process (it takes the data-dir lock).
  // Ingest with an operator key, as `npm start` does, in its own process.
  await ingestWithCli({ ...process.env, CHUTES_API_KEY: fakes.keys.chutesKey("operator") });
  chatRoute = await import("@/app/api/chat/route");
  chutesKeyRoute = await import("@/app/api/auth/chutes/key/route");
  openRouterKeyRoute = await import("@/app/api/auth/openrouter/key/route");
});
afterAll(async () => {
  const { getStore } = await import("@/src/server/rag/store");
  await (await getStore()).close();
  await fakes.close();
});
beforeEach(() => fakes.reset());

describe("chat grounded in the ingested docs", () => {
  it("embeds the question with the user's stored Chutes key and streams numbered sources before the text", async () => {
    const jar = new CookieJar();
    const key = fakes.keys.chutesKey("alice");
    await call(chutesKeyRoute.POST, "/api/auth/chutes/key", { method: "POST", body: { apiKey: key }, jar });
    fakes.clearRequests();
    const response = await call(chatRoute.POST, "/api/chat", { method: "POST", body: { messages: [userMessage("How do I install Quire on Linux?")] }, jar });
    expect(response.status).toBe(200);
    const chunks = await readUiStream(response);

    const embedCall = fakes.requests.find((request) => request.path === "/embeddings");
    const chatCall = fakes.requests.find((request) => request.path === "/chat/completions");
    expect(embedCall?.surface).toBe("embed");
    expect(embedCall?.authorization).toBe(`Bearer ${key}`);
    expect(chatCall?.authorization).toBe(`Bearer ${key}`);

    const firstText = chunks.findIndex((chunk) => chunk.type === "text-delta");
    const sourceChunks = chunks.filter((chunk) => chunk.type === "source-url");
    expect(sourceChunks.length).toBeGreaterThan(0);
    expect(chunks.findIndex((chunk) => chunk.type === "source-url")).toBeLessThan(firstText);
    const sources = sourceChunks.map((chunk) => sourceFromPart(chunk as { type: string; providerMetadata?: unknown }));
    expect(sources[0]).toMatchObject({ index: 1, path: "guide/install.md", title: "Installing Quire" });
    expect(sources[0]?.heading).toContain("Linux");
    expect(sources[0]?.snippet).toContain("tarball");
    const start = chunks.find((chunk) => chunk.type === "start");
    expect(start?.messageMetadata).toMatchObject({ retrieval: "hybrid", credential: "apiKey" });

    // The model is given the numbered sources and told to cite them.
    const system = JSON.stringify(chatCall?.body);
    expect(system).toContain("[1]");
    expect(system).toContain("tarball");
    expect(streamedText(chunks)).toContain("[1]");
  });

  it("expands a follow-up with the previous turn", async () => {
    const key = fakes.keys.chutesKey("alice");
    const messages = [
      userMessage("How do I install Quire on Linux?"),
      { id: "a1", role: "assistant", parts: [{ type: "text", text: "Download the tarball [1]." }] },
      userMessage("and on Windows?"),
    ];
    const response = await call(chatRoute.POST, "/api/chat", { method: "POST", body: { messages }, headers: { authorization: `Bearer ${key}` } });
    const sources = (await readUiStream(response))
      .filter((chunk) => chunk.type === "source-url")
      .map((chunk) => sourceFromPart(chunk as { type: string; providerMetadata?: unknown }));
    expect(sources[0]?.heading).toContain("Windows");
  });

  it("embeds through OpenRouter with an OpenRouter key (same BGE-M3 space)", async () => {
    const jar = new CookieJar();
    const key = fakes.keys.openrouterKey("olivia");
    await call(openRouterKeyRoute.POST, "/api/auth/openrouter/key", { method: "POST", body: { apiKey: key }, jar });
    fakes.clearRequests();
    const response = await call(chatRoute.POST, "/api/chat", { method: "POST", body: { messages: [userMessage("When are staking rewards paid?")] }, jar });
    const chunks = await readUiStream(response);
    const embedCall = fakes.requests.find((request) => request.path === "/embeddings");
    expect(embedCall?.provider).toBe("openrouter");
    expect(embedCall?.authorization).toBe(`Bearer ${key}`);
    expect(embedCall?.body).toMatchObject({ model: "baai/bge-m3" });
    expect(chunks.find((chunk) => chunk.type === "start")?.messageMetadata).toMatchObject({ retrieval: "hybrid" });
  });

  it("falls back to full text when the embedding call fails, and still answers", async () => {
    const key = fakes.keys.chutesKey("alice");
    fakes.setNextBehavior({ serverError: true, times: 1, provider: "chutes" });
    const response = await call(chatRoute.POST, "/api/chat", {
      method: "POST",
      body: { messages: [userMessage("What do Windows builds need?")] },
      headers: { authorization: `Bearer ${key}` },
    });
    expect(response.status).toBe(200);
    const chunks = await readUiStream(response);
    expect(chunks.find((chunk) => chunk.type === "start")?.messageMetadata).toMatchObject({ retrieval: "fulltext" });
    expect(chunks.some((chunk) => chunk.type === "source-url")).toBe(true);
    expect(streamedText(chunks).length).toBeGreaterThan(0);
  });
});
