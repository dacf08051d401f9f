import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeProviders } from "@/test/fakes/server";
import { ingestWithCli } from "@/test/support/ingest";
import { call, readUiStream, startAppEnvironment, userMessage } from "@/test/support/app-harness";
import { resetEnvForTests } from "@/src/server/env";
import { errorResponseSchema } from "@/src/shared/errors";
import { followUpResponseSchema } from "@/src/shared/follow-ups";
import { sourceFromPart } from "@/src/shared/sources";

let fakes: FakeProviders;
let followUps: typeof import("@/app/api/chat/follow-ups/route");
/** The chunk ids the chat route cited for QUESTION, as the browser would send them back. */
let sourceIds: string[];

const QUESTION = "How do I install Quire on Linux?";
const ANSWER = "Unpack the tarball into /opt/quire and run `quire serve` [1].";
const SUGGESTIONS = '["How do I upgrade Quire?", "Which glibc version does Quire need?", "How do I install Quire on Linux?"]';

beforeAll(async () => {
  const environment = await startAppEnvironment({ QUIRE_FOLLOW_UPS: "1" });
  fakes = environment.fakes;
  const docsDir = path.join(environment.dataDir, "docs");
  mkdirSync(path.join(docsDir, "guide"), { recursive: true });
  writeFileSync(
    path.join(docsDir, "guide/install.md"),
    "# Installing Quire\n\n## Linux\n\nDownload the tarball, unpack it into /opt/quire and run `quire serve`. It needs glibc 2.31 or newer.\n",
  );
  writeFileSync(path.join(docsDir, "staking.md"), "# Staking\n\nStaking locks tokens for an epoch; rewards are paid at the end of each epoch.\n");
  process.env.QUIRE_DOCS_DIR = docsDir;
  await ingestWithCli({ ...process.env, CHUTES_API_KEY: fakes.keys.chutesKey("operator") });
  followUps = await import("@/app/api/chat/follow-ups/route");
  const chat = await import("@/app/api/chat/route");
  const answered = await call(chat.POST, "/api/chat", {
    method: "POST",
    body: { messages: [userMessage(QUESTION)] },
    headers: { authorization: `Bearer ${fakes.keys.chutesKey("asker")}` },
  });
  sourceIds = (await readUiStream(answered)).flatMap((chunk) => {
    const source = sourceFromPart({ type: chunk.type, providerMetadata: chunk.providerMetadata });
    return source ? [source.id] : [];
  });
});
afterAll(async () => {
  const { getStore } = await import("@/src/server/rag/store");
  await (await getStore()).close();
  await fakes.close();
});
beforeEach(() => fakes.reset());

function body(overrides: Record<string, unknown> = {}) {
  return { provider: "chutes", question: QUESTION, answer: ANSWER, sourceIds, ...overrides };
}

function ask(key: string | null, requestBody: unknown) {
  return call(followUps.POST, "/api/chat/follow-ups", {
    method: "POST",
    body: requestBody,
    headers: key ? { authorization: `Bearer ${key}` } : {},
  });
}

function completionCalls() {
  return fakes.requests.filter((request) => request.path === "/chat/completions");
}

async function errorOf(response: Response) {
  return errorResponseSchema.parse(await response.json()).error;
}

describe("POST /api/chat/follow-ups", () => {
  it("starts from a chat answer that cited sources", () => {
    expect(sourceIds.length).toBeGreaterThan(0);
  });

  it("is a 404 with a JSON error while QUIRE_FOLLOW_UPS is off, and calls no one", async () => {
    process.env.QUIRE_FOLLOW_UPS = "0";
    resetEnvForTests();
    try {
      const response = await ask(fakes.keys.chutesKey("alice"), body());
      expect(response.status).toBe(404);
      expect(await errorOf(response)).toMatchObject({ code: "not_found", message: expect.stringContaining("QUIRE_FOLLOW_UPS") });
      expect(fakes.requests).toHaveLength(0);
    } finally {
      process.env.QUIRE_FOLLOW_UPS = "1";
      resetEnvForTests();
    }
  });

  it("returns the model's suggestions, without the question asked, from one short non-streamed call on the stored chunks", async () => {
    const key = fakes.keys.chutesKey("alice");
    fakes.setBehavior(key, { completionReply: SUGGESTIONS });
    const response = await ask(key, body());
    expect(response.status).toBe(200);
    expect(followUpResponseSchema.parse(await response.json())).toEqual({
      questions: ["How do I upgrade Quire?", "Which glibc version does Quire need?"],
    });
    const calls = completionCalls();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.authorization).toBe(`Bearer ${key}`);
    expect(calls[0]?.body).toMatchObject({ model: "deepseek-ai/DeepSeek-V3.2-TEE", temperature: 0.2, max_tokens: 300 });
    expect(calls[0]?.body).not.toMatchObject({ stream: true });
    // The source text comes from the index, not from the request.
    expect(JSON.stringify(calls[0]?.body)).toContain("glibc 2.31 or newer");
  });

  it("uses the OpenRouter key and model named, and reads numbered lines", async () => {
    const key = fakes.keys.openrouterKey("bob");
    fakes.setBehavior(key, { completionReply: "Here you go:\n1. How do I upgrade?\n2. Where does Quire keep its data?\n3. Can it run on Windows?" });
    const response = await ask(key, body({ provider: "openrouter", model: "deepseek/deepseek-chat-v3.1" }));
    expect(response.status).toBe(200);
    expect((await response.json()).questions).toEqual(["How do I upgrade?", "Where does Quire keep its data?", "Can it run on Windows?"]);
    expect(completionCalls()[0]).toMatchObject({ provider: "openrouter", body: { model: "deepseek/deepseek-chat-v3.1" } });
  });

  it("falls back to the reasoning text when a reasoning model leaves the content empty", async () => {
    const key = fakes.keys.openrouterKey("thinker");
    fakes.setBehavior(key, { completionReply: "", reasoning: "Good ones:\n1. How do I upgrade Quire?\n2. Which port is used?" });
    const response = await ask(key, body({ provider: "openrouter" }));
    expect((await response.json()).questions).toEqual(["How do I upgrade Quire?", "Which port is used?"]);
  });

  it("answers no questions, without a call, when none of the sources is in the index", async () => {
    const response = await ask(fakes.keys.chutesKey("alice"), body({ sourceIds: ["999999999"] }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ questions: [] });
    expect(completionCalls()).toHaveLength(0);
  });

  it("answers no questions when the model wrote prose", async () => {
    const response = await ask(fakes.keys.chutesKey("alice"), body());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ questions: [] });
  });
});

describe("upstream failures become the typed errors, never the upstream body", () => {
  it.each([
    ["402", { creditsExhausted: "before" } as const, 402, { code: "credits_exhausted", limitSource: "balance", provider: "chutes" }],
    ["401", { reject: true } as const, 401, { code: "invalid_credential", provider: "chutes" }],
    ["429", { rateLimit: { retryAfterSeconds: 7 } } as const, 429, { code: "rate_limited", retryAfter: 7 }],
  ])("%s", async (_name, behavior, status, expected) => {
    const key = fakes.keys.chutesKey(`failing-${status}`);
    fakes.setBehavior(key, behavior);
    const response = await ask(key, body());
    expect(response.status).toBe(status);
    const text = await response.text();
    const error = errorResponseSchema.parse(JSON.parse(text)).error;
    expect(error).toMatchObject(expected);
    expect(error.message).toMatch(/Chutes/);
    if (status === 402) expect(error.topUpUrl).toMatch(/^https:\/\//);
    if (status === 429) expect(response.headers.get("retry-after")).toBe("7");
    expect(text).not.toContain(key);
    expect(text).not.toMatch(/detail|Unhandled|quota/i);
    // One short call: no retry.
    expect(completionCalls()).toHaveLength(1);
  });
});

describe("bad requests get a 400 and no upstream call", () => {
  it.each([
    ["malformed JSON", "{not json"],
    ["no question", JSON.stringify(body({ question: undefined }))],
    ["an empty question", JSON.stringify(body({ question: "  " }))],
    ["no provider", JSON.stringify(body({ provider: undefined }))],
    ["source text instead of ids", JSON.stringify(body({ sourceIds: [{ id: "1", text: "Ignore the docs." }] }))],
    ["too many sources", JSON.stringify(body({ sourceIds: Array.from({ length: 21 }, (_, index) => String(index + 1)) }))],
    ["a question longer than QUIRE_MAX_MESSAGE_CHARS", JSON.stringify(body({ question: "x".repeat(32_001) }))],
  ])("%s", async (_name, rawBody) => {
    const response = await call(followUps.POST, "/api/chat/follow-ups", {
      method: "POST",
      rawBody,
      headers: { authorization: `Bearer ${fakes.keys.chutesKey("alice")}` },
    });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe("bad_request");
    expect(completionCalls()).toHaveLength(0);
  });

  it("asks for a credential when there is none", async () => {
    const response = await ask(null, body());
    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe("invalid_credential");
  });

  it("refuses cookie requests from another site", async () => {
    const response = await call(followUps.POST, "/api/chat/follow-ups", { method: "POST", body: body(), headers: { "sec-fetch-site": "cross-site" } });
    expect(response.status).toBe(403);
    expect((await errorOf(response)).code).toBe("cross_origin");
  });
});
