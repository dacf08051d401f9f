import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeProviders, type FakeProviders } from "./server";
import {
  CHUTES_MODEL,
  OPENROUTER_MODEL,
  chatBody,
  dataPayloads,
  joinedContent,
  openrouterChunkSchema,
  parseEvents,
  postJson,
  readTimed,
  readUntilBroken,
} from "./test-support";

let fakes: FakeProviders;
let chutesKey: string;
let openrouterKey: string;

beforeAll(async () => {
  fakes = await startFakeProviders();
  chutesKey = fakes.keys.chutesKey();
  openrouterKey = fakes.keys.openrouterKey();
});
afterAll(() => fakes.close());
beforeEach(() => fakes.reset());

const chutesChat = (extra: Record<string, unknown> = {}, key = chutesKey) =>
  postJson(`${fakes.chutesLlmUrl}/chat/completions`, chatBody("Tell me about sources", { model: CHUTES_MODEL, stream: true, ...extra }), `Bearer ${key}`);
const openrouterChat = (extra: Record<string, unknown> = {}, key = openrouterKey) =>
  postJson(`${fakes.openrouterUrl}/chat/completions`, chatBody("Tell me about sources", { model: OPENROUTER_MODEL, stream: true, ...extra }), `Bearer ${key}`);

describe("error knobs before the stream (real HTTP statuses even with stream:true)", () => {
  it("reject → 401 with each provider's body", async () => {
    fakes.setBehavior(chutesKey, { reject: true });
    fakes.setBehavior(openrouterKey, { reject: true });
    const chutes = await chutesChat();
    expect(chutes.status).toBe(401);
    expect(await chutes.json()).toEqual({ detail: "Authentication required." });
    const me = await fetch(`${fakes.chutesApiUrl}/users/me`, { headers: { authorization: `Bearer ${chutesKey}` } });
    expect(await me.json()).toEqual({ detail: "Invalid token or user not found" });
    const openrouter = await openrouterChat();
    expect(openrouter.status).toBe(401);
    expect(await openrouter.json()).toEqual({ error: { code: 401, message: "User not found." } });
  });

  it("creditsExhausted before → 402 (Chutes detail object; OpenRouter credits wording and limit_source)", async () => {
    fakes.setBehavior(chutesKey, { creditsExhausted: "before" });
    fakes.setBehavior(openrouterKey, { creditsExhausted: "before" });
    const chutes = await chutesChat();
    expect(chutes.status).toBe(402);
    expect((await chutes.json()).detail.message).toMatch(/^Quota exceeded and account balance is \$0\.0/);
    const openrouter = await openrouterChat();
    expect(openrouter.status).toBe(402);
    const body = await openrouter.json();
    expect(body.error).toMatchObject({ code: 402, message: expect.stringMatching(/credits/i), metadata: { limit_source: "openrouter_credits" } });
    fakes.setBehavior(openrouterKey, { creditsExhausted: "before", openrouterLimitSource: "openrouter_key_limit" });
    expect((await (await openrouterChat({ stream: false })).json()).error.metadata.limit_source).toBe("openrouter_key_limit");
  });

  it("rateLimit → 429 with Retry-After", async () => {
    fakes.setBehavior(chutesKey, { rateLimit: { retryAfterSeconds: 7 } });
    fakes.setBehavior(openrouterKey, { rateLimit: { retryAfterSeconds: 9 } });
    const chutes = await chutesChat();
    expect([chutes.status, chutes.headers.get("retry-after")]).toEqual([429, "7"]);
    expect(await chutes.json()).toEqual({ detail: "Rate limit exceeded. Try again later." });
    const openrouter = await openrouterChat();
    expect([openrouter.status, openrouter.headers.get("retry-after")]).toEqual([429, "9"]);
    expect((await openrouter.json()).error.code).toBe(429);
  });

  it("unavailable → 503, forbidden → 403, serverError → 500 / 502", async () => {
    fakes.setBehavior(chutesKey, { unavailable: true });
    const chutes = await chutesChat();
    expect(chutes.status).toBe(503);
    expect((await chutes.json()).detail).toMatch(/^No instances available \(yet\) for chute_id='[0-9a-f-]{36}'$/);
    fakes.setBehavior(openrouterKey, { unavailable: true });
    expect((await openrouterChat()).status).toBe(503);

    fakes.setBehavior(chutesKey, { forbidden: true });
    fakes.setBehavior(openrouterKey, { forbidden: true });
    expect(await (await chutesChat()).json()).toEqual({ detail: "Token does not have permission for this resource" });
    expect((await openrouterChat()).status).toBe(403);

    fakes.setBehavior(chutesKey, { serverError: true });
    fakes.setBehavior(openrouterKey, { serverError: true });
    expect((await chutesChat()).status).toBe(500);
    const openrouter = await openrouterChat();
    expect(openrouter.status).toBe(502);
    expect((await openrouter.json()).error.metadata.provider_name).toBe("DeepInfra");
  });
});

describe("mid-stream knobs", () => {
  it("Chutes creditsExhausted midstream: N tokens, then a bare JSON error line, no [DONE]", async () => {
    fakes.setBehavior(chutesKey, { creditsExhausted: "midstream", midstreamAfterTokens: 2 });
    const response = await chutesChat();
    expect(response.status).toBe(200);
    const events = parseEvents(await response.text());
    const raw = events.filter((event) => event.kind === "raw");
    expect(raw).toHaveLength(1);
    expect(JSON.parse(raw[0]?.value ?? "")).toEqual({ error: expect.stringMatching(/^Unhandled exception during response stream: .*balance/) });
    expect(events.at(-1)?.kind).toBe("raw");
    expect(events.some((event) => event.value === "[DONE]")).toBe(false);
    expect(joinedContent(dataPayloads(events))).toBe("Based on");
  });

  it("OpenRouter creditsExhausted midstream: an error event with code 402 and finish_reason error (default 3 tokens)", async () => {
    fakes.setBehavior(openrouterKey, { creditsExhausted: "midstream", openrouterLimitSource: "openrouter_key_limit" });
    const response = await openrouterChat();
    expect(response.status).toBe(200);
    const chunks = dataPayloads(parseEvents(await response.text())).map((payload) => openrouterChunkSchema.parse(payload));
    const last = chunks.at(-1);
    expect(last?.error).toMatchObject({ code: 402, metadata: { limit_source: "openrouter_key_limit" } });
    expect(last?.choices[0]?.finish_reason).toBe("error");
    expect(joinedContent(chunks)).toBe("Based on the");
  });

  it("creditsExhausted midstream is a plain 402 for non-stream requests", async () => {
    fakes.setBehavior(chutesKey, { creditsExhausted: "midstream" });
    expect((await chutesChat({ stream: false })).status).toBe(402);
  });

  it("dropAfterTokens destroys the socket after N content tokens, without [DONE]", async () => {
    for (const [send, key] of [
      [chutesChat, chutesKey],
      [openrouterChat, openrouterKey],
    ] as const) {
      fakes.setBehavior(key, { dropAfterTokens: 4 });
      const { text, error } = await readUntilBroken(await send());
      expect(error).toBeDefined();
      expect(text).not.toContain("[DONE]");
      expect(joinedContent(dataPayloads(parseEvents(text)))).toBe("Based on the documentation");
    }
    const dropped = fakes.requests.filter((request) => request.path === "/chat/completions");
    expect(dropped.every((request) => request.clientClosedAt === undefined && request.endedAt !== undefined)).toBe(true);
  });
});

describe("timing knobs", () => {
  it("Chutes holds even the headers for firstTokenDelayMs", async () => {
    fakes.setBehavior(chutesKey, { firstTokenDelayMs: 300 });
    const started = Date.now();
    const response = await chutesChat();
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(response.status).toBe(200);
    await response.text();
  });

  it("OpenRouter sends headers and the PROCESSING comment at once, then content after the delay", async () => {
    fakes.setBehavior(openrouterKey, { firstTokenDelayMs: 400 });
    const started = Date.now();
    const response = await openrouterChat();
    expect(Date.now() - started).toBeLessThan(250);
    const chunks = await readTimed(response);
    expect(chunks[0]?.text).toBe(": OPENROUTER PROCESSING\n\n");
    const firstContent = chunks.find((chunk) => chunk.text.includes('"content":"Based"'));
    expect((firstContent?.at ?? 0) - started).toBeGreaterThanOrEqual(380);
  });

  it("tokensPerSecond paces content tokens", async () => {
    fakes.setBehavior(chutesKey, { tokensPerSecond: 50, reply: "one two three four five six seven eight nine ten eleven" });
    const started = Date.now();
    const text = await (await chutesChat()).text();
    // 11 tokens at 50/s: 10 gaps of 20 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(joinedContent(dataPayloads(parseEvents(text)))).toBe("one two three four five six seven eight nine ten eleven");
  });

  it("firstTokenDelayMs also delays non-stream answers and embeddings", async () => {
    fakes.setBehavior(openrouterKey, { firstTokenDelayMs: 200 });
    const started = Date.now();
    await (await openrouterChat({ stream: false })).json();
    await (await postJson(`${fakes.openrouterUrl}/embeddings`, { model: "baai/bge-m3", input: "x" }, `Bearer ${openrouterKey}`)).json();
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
  });
});

describe("knob scoping", () => {
  it("setNextBehavior applies to the next N inference requests of a provider, whatever the key", async () => {
    fakes.setNextBehavior({ creditsExhausted: "before", provider: "openrouter", times: 2 });
    expect((await chutesChat()).status).toBe(200);
    expect((await openrouterChat({}, fakes.keys.openrouterKey("bob"))).status).toBe(402);
    expect((await postJson(`${fakes.openrouterUrl}/embeddings`, { model: "baai/bge-m3", input: "x" }, `Bearer ${openrouterKey}`)).status).toBe(402);
    expect((await openrouterChat()).status).toBe(200);
  });

  it("setNextBehavior without a provider applies to either, once by default", async () => {
    fakes.setNextBehavior({ unavailable: true });
    expect((await chutesChat()).status).toBe(503);
    expect((await openrouterChat()).status).toBe(200);
  });

  it('"*" applies to every credential; a credential\'s own knobs win; reset clears all', async () => {
    fakes.setBehavior("*", { reply: "wildcard" });
    fakes.setBehavior(openrouterKey, { reply: "own" });
    expect(joinedContent(dataPayloads(parseEvents(await (await chutesChat()).text())))).toBe("wildcard");
    expect(joinedContent(dataPayloads(parseEvents(await (await openrouterChat()).text())))).toBe("own");
    fakes.reset();
    expect(joinedContent(dataPayloads(parseEvents(await (await chutesChat()).text())))).toContain("[1]");
  });
});
