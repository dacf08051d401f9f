import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { FakeProviders } from "@/test/fakes/server";
import { call, readUiStream, startAppEnvironment, streamedText, userMessage } from "@/test/support/app-harness";
import { errorResponseSchema, parseStreamErrorText } from "@/src/shared/errors";
import { parseServerTiming } from "@/bench/lib/stream-timing";

let fakes: FakeProviders;
let POST: typeof import("@/app/api/chat/route").POST;

beforeAll(async () => {
  ({ fakes } = await startAppEnvironment({
    QUIRE_MAX_RETRY_WAIT_MS: "200",
    QUIRE_FIRST_TOKEN_TIMEOUT_MS: "1500",
    QUIRE_IDLE_TIMEOUT_MS: "1000",
    QUIRE_QUERY_EMBED_TIMEOUT_MS: "500",
  }));
  ({ POST } = await import("@/app/api/chat/route"));
});
afterAll(() => fakes.close());
beforeEach(() => fakes.reset());

function chat(key: string | null, body: unknown) {
  return call(POST, "/api/chat", { method: "POST", body, headers: key ? { authorization: `Bearer ${key}` } : {} });
}

function chatCalls() {
  return fakes.requests.filter((request) => request.path === "/chat/completions");
}

async function errorOf(response: Response) {
  return errorResponseSchema.parse(await response.json()).error;
}

describe("POST /api/chat with a key in the Authorization header", () => {
  it("streams an answer for a Chutes key, through CHUTES_LLM_URL", async () => {
    const key = fakes.keys.chutesKey("alice");
    const response = await chat(key, { messages: [userMessage("How do I install the node?")] });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    // Tells Next.js's compression (and any proxy) to leave the event stream alone.
    expect(response.headers.get("cache-control")).toMatch(/(^|,)\s*no-transform\s*(,|$)/);
    const chunks = await readUiStream(response);
    expect(streamedText(chunks).length).toBeGreaterThan(20);
    expect(chunks.at(-1)?.type).toBe("finish");
    const [upstream] = chatCalls();
    expect(upstream?.provider).toBe("chutes");
    expect(upstream?.surface).toBe("llm");
    expect(upstream?.authorization).toBe(`Bearer ${key}`);
    expect(upstream?.body).toMatchObject({ model: "deepseek-ai/DeepSeek-V3.2-TEE", stream: true });
  });

  it("streams an answer for an OpenRouter key, through OPENROUTER_API_URL", async () => {
    const key = fakes.keys.openrouterKey("bob");
    const response = await chat(key, { messages: [userMessage("What is a shard?")], model: "deepseek/deepseek-chat-v3.1" });
    expect(response.status).toBe(200);
    expect(streamedText(await readUiStream(response)).length).toBeGreaterThan(20);
    const [upstream] = chatCalls();
    expect(upstream?.provider).toBe("openrouter");
    expect(upstream?.authorization).toBe(`Bearer ${key}`);
    expect(upstream?.body).toMatchObject({ model: "deepseek/deepseek-chat-v3.1" });
  });

  it("says in Server-Timing where the time before the answer went: the request, retrieval, the provider's first token", async () => {
    const key = fakes.keys.openrouterKey("timing");
    // Embedding the question is part of retrieval; the chat's own wait is the provider's.
    fakes.setBehavior(key, { embedDelayMs: 120, firstTokenDelayMs: 250 });
    const response = await chat(key, { messages: [userMessage("How do I install the node?")] });
    expect(response.status).toBe(200);
    await readUiStream(response);
    const entries = parseServerTiming(response.headers.get("server-timing"));
    expect(Object.keys(entries)).toEqual(["request", "retrieval", "first-token"]);
    expect(entries.request).toBeGreaterThanOrEqual(0);
    expect(entries.retrieval).toBeGreaterThanOrEqual(110);
    expect(entries["first-token"]).toBeGreaterThanOrEqual(240);
    expect(entries["first-token"]).toBeLessThan(5_000);
  });

  it("accepts messages without ids, as a script might send them", async () => {
    const key = fakes.keys.chutesKey("scripted");
    const response = await chat(key, { messages: [{ role: "user", parts: [{ type: "text", text: "What is Quire?" }] }] });
    expect(response.status).toBe(200);
    expect(streamedText(await readUiStream(response)).length).toBeGreaterThan(0);
  });

  it("infers the provider from the key, whatever the body says", async () => {
    const key = fakes.keys.openrouterKey("carol");
    const response = await chat(key, { messages: [userMessage("hello")], provider: "chutes" });
    expect(response.status).toBe(200);
    await response.text();
    expect(chatCalls()[0]?.provider).toBe("openrouter");
  });
});

describe("bad requests get a 400 with a clear JSON error and no upstream call", () => {
  const key = () => fakes.keys.chutesKey("alice");
  it.each([
    ["malformed JSON", "{not json"],
    ["no messages", JSON.stringify({ messages: [] })],
    ["a wrong role", JSON.stringify({ messages: [{ id: "1", role: "robot", parts: [] }] })],
    ["an unknown provider", JSON.stringify({ messages: [userMessage("hi")], provider: "openai" })],
    ["a last message from the assistant", JSON.stringify({ messages: [{ id: "1", role: "assistant", parts: [{ type: "text", text: "hi" }] }] })],
    ["an empty question", JSON.stringify({ messages: [userMessage("   ")] })],
    ["too many messages", JSON.stringify({ messages: Array.from({ length: 101 }, (_, index) => userMessage(`q${index}`)) })],
    ["a message that is too long", JSON.stringify({ messages: [userMessage("x".repeat(32_001))] })],
  ])("%s", async (_name, rawBody) => {
    const response = await call(POST, "/api/chat", { method: "POST", rawBody, headers: { authorization: `Bearer ${key()}` } });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe("bad_request");
    expect(error.message.length).toBeGreaterThan(10);
    expect(chatCalls()).toHaveLength(0);
  });

  it("rejects an unrecognised key with 401", async () => {
    const response = await chat("sk-proj-123456", { messages: [userMessage("hi")] });
    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe("invalid_credential");
  });

  it("asks for a credential when there is none", async () => {
    const response = await chat(null, { messages: [userMessage("hi")] });
    expect(response.status).toBe(401);
    expect((await errorOf(response)).message).toMatch(/Connect/);
  });
});

describe("upstream failures before the stream become typed JSON errors", () => {
  it("401 from Chutes → invalid_credential", async () => {
    const key = fakes.keys.chutesKey("mallory");
    fakes.setBehavior(key, { reject: true });
    const response = await chat(key, { messages: [userMessage("hi")] });
    expect(response.status).toBe(401);
    const error = await errorOf(response);
    expect(error).toMatchObject({ code: "invalid_credential", provider: "chutes" });
    expect(JSON.stringify(error)).not.toContain(key);
  });

  it("402 from Chutes → credits_exhausted with a top-up link", async () => {
    const key = fakes.keys.chutesKey("broke");
    fakes.setBehavior(key, { creditsExhausted: "before" });
    const response = await chat(key, { messages: [userMessage("hi")] });
    expect(response.status).toBe(402);
    const error = await errorOf(response);
    expect(error).toMatchObject({ code: "credits_exhausted", limitSource: "balance" });
    expect(error.topUpUrl).toMatch(/^https:\/\//);
  });

  it("402 from OpenRouter names the key limit", async () => {
    const key = fakes.keys.openrouterKey("limited");
    fakes.setBehavior(key, { creditsExhausted: "before", openrouterLimitSource: "openrouter_key_limit" });
    const response = await chat(key, { messages: [userMessage("hi")] });
    expect(response.status).toBe(402);
    expect(await errorOf(response)).toMatchObject({ code: "credits_exhausted", limitSource: "key_limit" });
  });

  it("429 is retried once, then answered with Retry-After", async () => {
    const key = fakes.keys.chutesKey("busy");
    fakes.setBehavior(key, { rateLimit: { retryAfterSeconds: 7 } });
    const response = await chat(key, { messages: [userMessage("hi")] });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("7");
    expect(await errorOf(response)).toMatchObject({ code: "rate_limited", retryAfter: 7 });
    expect(chatCalls()).toHaveLength(2);
  });

  it("a 503 that clears on the retry streams normally", async () => {
    const key = fakes.keys.chutesKey("flaky");
    // The question's embedding call comes first, then the chat's first attempt.
    fakes.setNextBehavior({ unavailable: true, times: 2 });
    const response = await chat(key, { messages: [userMessage("hi")] });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-quire-attempts")).toBe("2");
    expect(streamedText(await readUiStream(response)).length).toBeGreaterThan(0);
  });

  it("an unknown model → model_not_found, not retried", async () => {
    const key = fakes.keys.chutesKey("alice");
    const response = await chat(key, { messages: [userMessage("hi")], model: "nope/not-a-model" });
    expect(response.status).toBe(404);
    expect((await errorOf(response)).message).toContain("nope/not-a-model");
    expect(chatCalls()).toHaveLength(1);
  });
});

describe("failures after the stream started arrive as an error part with the same code", () => {
  it.each(["chutes", "openrouter"] as const)("mid-stream 402 on %s keeps the partial answer", async (provider) => {
    const key = provider === "chutes" ? fakes.keys.chutesKey("mid") : fakes.keys.openrouterKey("mid");
    fakes.setBehavior(key, { creditsExhausted: "midstream", midstreamAfterTokens: 4 });
    const response = await chat(key, { messages: [userMessage("hi")] });
    expect(response.status).toBe(200);
    const chunks = await readUiStream(response);
    expect(streamedText(chunks).length).toBeGreaterThan(0);
    const errorPart = chunks.find((chunk) => chunk.type === "error");
    expect(errorPart).toBeDefined();
    expect(parseStreamErrorText(String(errorPart?.errorText)).code).toBe("credits_exhausted");
  });

  it("a dropped connection ends with upstream_error, not a hang", async () => {
    const key = fakes.keys.chutesKey("drop");
    fakes.setBehavior(key, { dropAfterTokens: 3 });
    // The SDK's own console.error would bypass the redacting logger.
    const consoleError = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const response = await chat(key, { messages: [userMessage("hi")] });
    const chunks = await readUiStream(response);
    expect(consoleError).not.toHaveBeenCalled();
    consoleError.mockRestore();
    const errorPart = chunks.find((chunk) => chunk.type === "error");
    expect(errorPart).toBeDefined();
    const payload = parseStreamErrorText(String(errorPart?.errorText));
    expect(payload.code).toBe("upstream_error");
    // The connection-drop wording, not parseStreamErrorText's default for a missing part.
    expect(payload.message).toMatch(/connection to Chutes dropped/);
    // The tokens that did arrive stay in the stream.
    expect(chunks.some((chunk) => chunk.type === "text-delta")).toBe(true);
  });
});

describe("timeouts, fallback and the pre-flight balance check", () => {
  it("a first token later than QUIRE_FIRST_TOKEN_TIMEOUT_MS → 504 timeout, not retried", async () => {
    const key = fakes.keys.chutesKey("sleepy");
    fakes.setBehavior(key, { firstTokenDelayMs: 5000 });
    const started = Date.now();
    const response = await chat(key, { messages: [userMessage("hi")] });
    expect(response.status).toBe(504);
    expect((await errorOf(response)).code).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(3000);
    expect(chatCalls()).toHaveLength(1);
    // The upstream request was abandoned, not left running.
    await expect.poll(() => chatCalls()[0]?.clientClosedAt).toBeDefined();
  });

  it("silence between tokens longer than QUIRE_IDLE_TIMEOUT_MS ends the stream with timeout", async () => {
    const key = fakes.keys.openrouterKey("stalls");
    fakes.setBehavior(key, { tokensPerSecond: 0.4, reasoning: null });
    const response = await chat(key, { messages: [userMessage("hi")] });
    expect(response.status).toBe(200);
    const chunks = await readUiStream(response);
    const errorPart = chunks.find((chunk) => chunk.type === "error");
    expect(parseStreamErrorText(String(errorPart?.errorText)).code).toBe("timeout");
    expect(streamedText(chunks).length).toBeGreaterThan(0);
  });

  it("announces the Chutes fallback model when the requested one stays unavailable", async () => {
    process.env.CHUTES_FALLBACK_MODEL = "Qwen/Qwen3-235B-A22B-Instruct-2507";
    const { resetEnvForTests } = await import("@/src/server/env");
    resetEnvForTests();
    try {
      const key = fakes.keys.chutesKey("alice");
      // The embedding call, the first attempt and the retry all meet a 503.
      fakes.setNextBehavior({ unavailable: true, times: 3, provider: "chutes" });
      const response = await chat(key, { messages: [userMessage("hi")] });
      expect(response.status).toBe(200);
      const chunks = await readUiStream(response);
      const start = chunks.find((chunk) => chunk.type === "start");
      expect(start?.messageMetadata).toMatchObject({
        model: "Qwen/Qwen3-235B-A22B-Instruct-2507",
        fallbackFrom: "deepseek-ai/DeepSeek-V3.2-TEE",
      });
      expect(chatCalls().map((call) => (call.body as { model: string }).model)).toEqual([
        "deepseek-ai/DeepSeek-V3.2-TEE",
        "deepseek-ai/DeepSeek-V3.2-TEE",
        "Qwen/Qwen3-235B-A22B-Instruct-2507",
      ]);
    } finally {
      delete process.env.CHUTES_FALLBACK_MODEL;
      resetEnvForTests();
    }
  });

  it("warns about a low balance beside the answer, without blocking it", async () => {
    const key = fakes.keys.chutesKey("lowfunds");
    // The reply ends right after its first token: the end waits for the check, which starts then.
    fakes.setBehavior(key, { balance: 0.42 });
    const response = await chat(key, { messages: [userMessage("hi")] });
    expect(response.status).toBe(200);
    const chunks = await readUiStream(response);
    const notice = chunks.find((chunk) => chunk.type === "data-notice");
    expect(notice?.data).toMatchObject({ kind: "low-balance" });
    expect(chunks.indexOf(notice!)).toBeLessThan(chunks.findIndex((chunk) => chunk.type === "finish"));
    expect(String((notice?.data as { message: string }).message)).toContain("$0.42");
    expect(streamedText(chunks).length).toBeGreaterThan(0);
    expect(fakes.requests.find((request) => request.path === "/users/me")?.authorization).toBe(`Bearer ${key}`);
  });

  it("neither waits for a slow balance check before the answer nor holds the answer's end for it", async () => {
    const key = fakes.keys.chutesKey("slowaccount");
    fakes.setBehavior(key, { balance: 0.42, accountDelayMs: 20_000 });
    const started = performance.now();
    const response = await chat(key, { messages: [userMessage("hi")] });
    const chunks = await readUiStream(response);
    // The answer ends within the notice's grace (500 ms), long before the check answers.
    expect(performance.now() - started).toBeLessThan(8000);
    expect(streamedText(chunks).length).toBeGreaterThan(0);
    expect(chunks.some((chunk) => chunk.type === "data-notice")).toBe(false);
    expect(chunks.at(-1)?.type).toBe("finish");
  });
});

describe("Stop and secrets", () => {
  it("aborting the request closes the upstream connection within 100 ms", async () => {
    const key = fakes.keys.chutesKey("stopper");
    fakes.setBehavior(key, { tokensPerSecond: 5 });
    const controller = new AbortController();
    const response = await call(POST, "/api/chat", {
      method: "POST",
      body: { messages: [userMessage("Tell me everything")] },
      headers: { authorization: `Bearer ${key}` },
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    let received = "";
    while (!received.includes("text-delta")) received += new TextDecoder().decode((await reader.read()).value);
    const abortedAt = Date.now();
    controller.abort();
    await reader.cancel().catch(() => undefined);
    const upstream = chatCalls()[0];
    await expect.poll(() => upstream?.clientClosedAt, { timeout: 2000, interval: 5 }).toBeDefined();
    expect((upstream?.clientClosedAt ?? 0) - abortedAt).toBeLessThan(100);
  });

  it("no error response ever contains the key", async () => {
    const behaviors = [
      { reject: true },
      { creditsExhausted: "before" as const },
      { rateLimit: { retryAfterSeconds: 1 } },
      { unavailable: true },
      { forbidden: true },
      { serverError: true },
      { creditsExhausted: "midstream" as const },
      { dropAfterTokens: 2 },
    ];
    for (const provider of ["chutes", "openrouter"] as const) {
      for (const behavior of behaviors) {
        const key = provider === "chutes" ? fakes.keys.chutesKey("secretive") : fakes.keys.openrouterKey("secretive");
        fakes.setBehavior(key, behavior);
        const response = await chat(key, { messages: [userMessage("hi")] });
        const text = await response.text();
        expect(text).not.toContain(key);
        expect(text).not.toContain(key.slice(4, 24));
        expect(text).not.toContain("Bearer");
      }
    }
  });
});
