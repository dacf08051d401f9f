import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeProviders, type FakeProviders } from "./server";
import {
  CHUTES_MODEL,
  OPENROUTER_MODEL,
  chatBody,
  chutesChunkSchema,
  dataPayloads,
  joinedContent,
  openrouterChunkSchema,
  parseEvents,
  postJson,
} from "./test-support";

let fakes: FakeProviders;
let chutesAuth: string;
let openrouterAuth: string;

beforeAll(async () => {
  fakes = await startFakeProviders();
  chutesAuth = `Bearer ${fakes.keys.chutesKey()}`;
  openrouterAuth = `Bearer ${fakes.keys.openrouterKey()}`;
});
afterAll(() => fakes.close());
beforeEach(() => fakes.reset());

describe("Chutes chat stream (PROTOCOLS §1.2)", () => {
  it("sends a role chunk, content chunks with usage, a finish chunk, a usage-only chunk and [DONE]", async () => {
    const response = await postJson(`${fakes.chutesLlmUrl}/chat/completions`, chatBody("How do I install Quire?", { model: CHUTES_MODEL, stream: true }), chutesAuth);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(response.headers.get("x-chutes-invocationid")).toMatch(/^[0-9a-f-]{36}$/);
    const text = await response.text();
    const events = parseEvents(text);
    expect(events.every((event) => event.kind === "data")).toBe(true);
    expect(events.at(-1)?.value).toBe("[DONE]");
    const chunks = dataPayloads(events).map((payload) => chutesChunkSchema.parse(payload));
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "" });
    expect(chunks.some((chunk) => chunk.choices[0]?.delta.reasoning_content !== undefined)).toBe(false);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    const content = joinedContent(chunks);
    expect(content).toContain("[1]");
    expect(content).toContain('"How do I install Quire?"');
    const contentChunks = chunks.filter((chunk) => (chunk.choices[0]?.delta.content ?? "") !== "");
    expect(contentChunks.length).toBeGreaterThanOrEqual(12);
    expect(last?.usage.completion_tokens).toBe(contentChunks.length);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
  });

  it("streams reasoning_content when thinking is on (:THINKING suffix or chat_template_kwargs)", async () => {
    for (const body of [
      chatBody("Why?", { model: `${CHUTES_MODEL}:THINKING`, stream: true }),
      chatBody("Why?", { model: CHUTES_MODEL, stream: true, chat_template_kwargs: { thinking: true } }),
    ]) {
      const response = await postJson(`${fakes.chutesLlmUrl}/chat/completions`, body, chutesAuth);
      const chunks = dataPayloads(parseEvents(await response.text())).map((payload) => chutesChunkSchema.parse(payload));
      expect(chunks[1]?.choices[0]?.delta.reasoning_content).toMatch(/Why\?/);
      expect(chunks[0]?.model).toBe(CHUTES_MODEL);
    }
  });

  it("answers non-stream requests with a chat.completion", async () => {
    const response = await postJson(`${fakes.chutesLlmUrl}/chat/completions`, chatBody("What is RAG?", { model: CHUTES_MODEL }), chutesAuth);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({
      object: "chat.completion",
      model: CHUTES_MODEL,
      choices: [{ index: 0, message: { role: "assistant", reasoning_content: null, tool_calls: [] }, finish_reason: "stop" }],
      usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), total_tokens: expect.any(Number) },
    });
    expect(body.choices[0].message.content).toMatch(/^Based on the documentation \[1\], here is what I found about "What is RAG\?"/);
  });

  it("is deterministic and depends on the last user message", async () => {
    const ask = async (question: string) =>
      (await (await postJson(`${fakes.chutesLlmUrl}/chat/completions`, chatBody(question, { model: CHUTES_MODEL }), chutesAuth)).json()).choices[0].message.content;
    expect(await ask("alpha question")).toBe(await ask("alpha question"));
    expect(await ask("alpha question")).not.toBe(await ask("beta question"));
  });

  it("404s an unknown or missing model, as llm.chutes.ai routes by model", async () => {
    const unknown = await postJson(`${fakes.chutesLlmUrl}/chat/completions`, chatBody("hi", { model: "nope/nope" }), chutesAuth);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ detail: "model not found: nope/nope" });
    const missing = await postJson(`${fakes.chutesLlmUrl}/chat/completions`, chatBody("hi"), chutesAuth);
    expect(missing.status).toBe(404);
  });

  it("400s a body without messages", async () => {
    const response = await postJson(`${fakes.chutesLlmUrl}/chat/completions`, { model: CHUTES_MODEL }, chutesAuth);
    expect(response.status).toBe(400);
    expect((await response.json()).detail).toMatch(/^Invalid request JSON/);
  });

  it("cuts the reply at max_tokens with finish_reason length", async () => {
    const response = await postJson(`${fakes.chutesLlmUrl}/chat/completions`, chatBody("hi", { model: CHUTES_MODEL, max_tokens: 3 }), chutesAuth);
    const body = await response.json();
    expect(body.choices[0]).toMatchObject({ finish_reason: "length", message: { content: "Based on the" } });
  });
});

describe("OpenRouter chat stream (PROTOCOLS §2.1)", () => {
  it("starts with the PROCESSING comment, sends reasoning deltas, a usage chunk and [DONE]", async () => {
    const response = await postJson(`${fakes.openrouterUrl}/chat/completions`, chatBody("Where is the config?", { model: OPENROUTER_MODEL, stream: true }), openrouterAuth);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-generation-id")).toMatch(/^gen-/);
    const text = await response.text();
    expect(text.startsWith(": OPENROUTER PROCESSING\n\n")).toBe(true);
    const events = parseEvents(text);
    expect(events.at(-1)).toEqual({ kind: "data", value: "[DONE]" });
    const chunks = dataPayloads(events).map((payload) => openrouterChunkSchema.parse(payload));
    expect(chunks[0]?.choices[0]?.delta.reasoning).toMatch(/Where is the config\?/);
    expect(chunks.every((chunk) => chunk.choices[0]?.delta.role === "assistant")).toBe(true);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(12);
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === undefined)).toBe(true);
    const content = joinedContent(chunks);
    expect(content).toContain("[1]");
    expect(content).toContain('"Where is the config?"');
  });

  it("leaves reasoning out when the request excludes it", async () => {
    const response = await postJson(`${fakes.openrouterUrl}/chat/completions`, chatBody("x", { model: OPENROUTER_MODEL, stream: true, reasoning: { exclude: true } }), openrouterAuth);
    const chunks = dataPayloads(parseEvents(await response.text())).map((payload) => openrouterChunkSchema.parse(payload));
    expect(chunks.some((chunk) => chunk.choices[0]?.delta.reasoning !== undefined)).toBe(false);
  });

  it("answers non-stream requests in the shape the OpenRouter SDK checks", async () => {
    const response = await postJson(`${fakes.openrouterUrl}/chat/completions`, chatBody("Explain", { model: OPENROUTER_MODEL }), openrouterAuth);
    expect(await response.json()).toMatchObject({
      id: expect.stringMatching(/^gen-/),
      provider: "DeepInfra",
      model: OPENROUTER_MODEL,
      object: "chat.completion",
      choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: expect.stringContaining("[1]") } }],
      usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), total_tokens: expect.any(Number), cost: expect.any(Number) },
    });
  });

  it("404s unknown models and refuses embedding models for chat", async () => {
    for (const model of ["nope/nope", "baai/bge-m3"]) {
      const response = await postJson(`${fakes.openrouterUrl}/chat/completions`, chatBody("hi", { model }), openrouterAuth);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: { code: 404, message: `${model} is not a valid model ID` } });
    }
  });
});

describe("reply overrides", () => {
  it("uses behavior.reply, then the server's reply function", async () => {
    const custom = await startFakeProviders({ chat: { reply: ({ lastUserMessage, model }) => `${model} heard: ${lastUserMessage}` } });
    try {
      const key = custom.keys.openrouterKey();
      const asked = await postJson(`${custom.openrouterUrl}/chat/completions`, chatBody("ping", { model: OPENROUTER_MODEL }), `Bearer ${key}`);
      expect((await asked.json()).choices[0].message.content).toBe(`${OPENROUTER_MODEL} heard: ping`);
      custom.setBehavior(key, { reply: "Exactly this." });
      const overridden = await postJson(`${custom.openrouterUrl}/chat/completions`, chatBody("ping", { model: OPENROUTER_MODEL, stream: true }), `Bearer ${key}`);
      expect(joinedContent(dataPayloads(parseEvents(await overridden.text())))).toBe("Exactly this.");
    } finally {
      await custom.close();
    }
  });

  it("answers non-streamed requests with completionReply, streamed ones with reply (also through the control API)", async () => {
    const key = fakes.keys.openrouterKey("completion-reply");
    const control = await postJson(`${fakes.url}/__fake/behavior`, {
      credential: key,
      behavior: { reply: "The streamed answer.", completionReply: '["A follow-up?"]' },
    });
    expect(control.status).toBe(200);
    const completed = await postJson(`${fakes.openrouterUrl}/chat/completions`, chatBody("ping", { model: OPENROUTER_MODEL }), `Bearer ${key}`);
    const completion = await completed.json();
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0].message.content).toBe('["A follow-up?"]');
    const streamed = await postJson(`${fakes.openrouterUrl}/chat/completions`, chatBody("ping", { model: OPENROUTER_MODEL, stream: true }), `Bearer ${key}`);
    expect(joinedContent(dataPayloads(parseEvents(await streamed.text())))).toBe("The streamed answer.");
  });

  it("reads text from content-part arrays", async () => {
    const body = { model: CHUTES_MODEL, messages: [{ role: "user", content: [{ type: "text", text: "parts question" }] }] };
    const response = await postJson(`${fakes.chutesLlmUrl}/chat/completions`, body, chutesAuth);
    expect((await response.json()).choices[0].message.content).toContain('"parts question"');
  });
});
