import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { describe, expect, it, vi } from "vitest";
import { answerChunks, answerPrompt, readFromStart, type AnswerChunk, type ModelStreamPart } from "@/src/server/chat/answer-chunks";
import { createGuardedFetch } from "@/src/server/providers/first-token-gate";

async function collect(chunks: AsyncIterable<AnswerChunk>): Promise<AnswerChunk[]> {
  const all: AnswerChunk[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return all;
}

/** The parts one read at a time, then the end: a close, or `end` as the stream's error. */
function partsStream(parts: ModelStreamPart[], end?: Error): ReadableStream<ModelStreamPart> {
  const queue = [...parts];
  return new ReadableStream({
    pull(controller) {
      const part = queue.shift();
      if (part !== undefined) controller.enqueue(part);
      else if (end) controller.error(end);
      else controller.close();
    },
  });
}

/** A stream of `parts` that stays open after them (the provider still answering), and its cancel spy. */
function openStream(parts: ModelStreamPart[]) {
  const cancel = vi.fn();
  const stream = new ReadableStream<ModelStreamPart>({
    start(controller) {
      for (const part of parts) controller.enqueue(part);
    },
    cancel,
  });
  return { stream, cancel };
}

/** One text or reasoning part as the provider streams it: start, one delta, end. */
function streamedPart(kind: "text" | "reasoning", id: string, delta: string): ModelStreamPart[] {
  return kind === "text"
    ? [{ type: "text-start", id }, { type: "text-delta", id, delta }, { type: "text-end", id }]
    : [{ type: "reasoning-start", id }, { type: "reasoning-delta", id, delta }, { type: "reasoning-end", id }];
}

const FINISH: ModelStreamPart = {
  type: "finish",
  finishReason: { unified: "stop", raw: "stop" },
  usage: {
    inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: 1, text: 1, reasoning: undefined },
  },
};

const errorText = (error: unknown) => `failed: ${error instanceof Error ? error.message : String(error)}`;
const live = () => new AbortController().signal;

/** An OpenAI-compatible streamed completion, as PROTOCOLS.md describes the providers' wire. */
function sseResponse(events: object[]): Response {
  const body = events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join("") + "data: [DONE]\n\n";
  return new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } });
}

describe("answerChunks", () => {
  it("writes the SDK provider's parsed stream as one step of UI chunks: reasoning, text, finish", async () => {
    const delta = (content: object, finish: string | null = null) => ({
      id: "c1",
      object: "chat.completion.chunk",
      created: 1,
      model: "m",
      choices: [{ index: 0, delta: content, finish_reason: finish }],
    });
    const fetchImpl = vi.fn<typeof fetch>(async () =>
      sseResponse([
        delta({ role: "assistant", reasoning_content: "Think" }),
        delta({ reasoning_content: "ing." }),
        delta({ content: "" }),
        delta({ content: "Hello" }),
        delta({ content: " world [1]." }),
        delta({}, "stop"),
      ]),
    );
    const model = createOpenAICompatible({ name: "chutes", baseURL: "http://127.0.0.1:9/v1", fetch: fetchImpl }).chatModel("m");
    const prompt = answerPrompt("Answer from the sources.", [{ role: "user", text: "Hi?" }]);
    const chunks = await collect(answerChunks(readFromStart(model.doStream({ prompt, abortSignal: live() })), { signal: live(), errorText }));

    expect(chunks.map((chunk) => chunk.type)).toEqual([
      "start-step",
      "reasoning-start",
      "reasoning-delta",
      "reasoning-delta",
      "reasoning-end",
      "text-start",
      "text-delta",
      "text-delta",
      "text-end",
      "finish-step",
      "finish",
    ]);
    const text = (type: string) =>
      chunks.flatMap((chunk) => (chunk.type === type && "delta" in chunk ? [chunk.delta] : [])).join("");
    expect(text("reasoning-delta")).toBe("Thinking.");
    expect(text("text-delta")).toBe("Hello world [1].");
    expect(chunks.at(-1)).toEqual({ type: "finish", finishReason: "stop" });
    // The prompt reached the wire as system + user messages.
    const sent = JSON.parse(String(fetchImpl.mock.calls[0]?.[1]?.body)) as { messages: unknown; stream: boolean };
    expect(sent.stream).toBe(true);
    expect(sent.messages).toEqual([
      { role: "system", content: "Answer from the sources." },
      { role: "user", content: "Hi?" },
    ]);
  });

  it("skips empty deltas and the provider's bookkeeping parts", async () => {
    const parts: ModelStreamPart[] = [
      { type: "stream-start", warnings: [] },
      { type: "response-metadata", id: "r1", modelId: "m" },
      { type: "text-start", id: "0" },
      { type: "text-delta", id: "0", delta: "" },
      { type: "raw", rawValue: {} },
      { type: "text-delta", id: "0", delta: "A" },
      { type: "text-end", id: "0" },
      FINISH,
    ];
    const chunks = await collect(answerChunks(readFromStart(Promise.resolve({ stream: partsStream(parts) })), { signal: live(), errorText }));
    expect(chunks).toEqual([
      { type: "start-step" },
      { type: "text-start", id: "0" },
      { type: "text-delta", id: "0", delta: "A" },
      { type: "text-end", id: "0" },
      { type: "finish-step" },
      { type: "finish", finishReason: "stop" },
    ]);
  });

  it("a call that fails before its stream becomes one error chunk, written by errorText", async () => {
    const chunks = await collect(answerChunks(readFromStart(Promise.reject(new Error("401 from the provider"))), { signal: live(), errorText }));
    // As streamText: no step was started, since the model's stream never began.
    expect(chunks).toEqual([{ type: "error", errorText: "failed: 401 from the provider" }]);
  });

  it("a stream that breaks mid-answer keeps what streamed, then an error chunk", async () => {
    const parts: ModelStreamPart[] = [
      { type: "text-start", id: "0" },
      { type: "text-delta", id: "0", delta: "Half" },
    ];
    const stream = partsStream(parts, new Error("idle timeout"));
    const chunks = await collect(answerChunks(readFromStart(Promise.resolve({ stream })), { signal: live(), errorText }));
    expect(chunks.slice(-2)).toEqual([
      { type: "text-delta", id: "0", delta: "Half" },
      { type: "error", errorText: "failed: idle timeout" },
    ]);
  });

  it("an error part is written, and the stream goes on to its finish as streamText does", async () => {
    const parts: ModelStreamPart[] = [{ type: "error", error: new Error("bad chunk") }, { ...FINISH, finishReason: { unified: "error", raw: undefined } }];
    const chunks = await collect(answerChunks(readFromStart(Promise.resolve({ stream: partsStream(parts) })), { signal: live(), errorText }));
    expect(chunks).toEqual([
      { type: "start-step" },
      { type: "error", errorText: "failed: bad chunk" },
      { type: "finish-step" },
      { type: "finish", finishReason: "error" },
    ]);
  });

  it("a failure after the client has gone is an abort, not an error (nothing is logged as failed)", async () => {
    const client = new AbortController();
    client.abort();
    const write = vi.fn(errorText);
    const stream = partsStream([{ type: "text-start", id: "0" }], new DOMException("aborted", "AbortError"));
    const chunks = await collect(answerChunks(readFromStart(Promise.resolve({ stream })), { signal: client.signal, errorText: write }));
    expect(chunks.at(-1)).toEqual({ type: "abort" });
    expect(write).not.toHaveBeenCalled();
  });

  it("gives a part id the provider uses again a fresh one, as streamText does", async () => {
    const parts: ModelStreamPart[] = [
      ...streamedPart("reasoning", "reasoning-0", "a"),
      ...streamedPart("text", "txt-0", "b"),
      ...streamedPart("reasoning", "reasoning-0", "c"),
      ...streamedPart("text", "txt-0", "d"),
      FINISH,
    ];
    const chunks = await collect(answerChunks(readFromStart(Promise.resolve({ stream: partsStream(parts) })), { signal: live(), errorText }));
    const ids = chunks.flatMap((chunk) => ("id" in chunk ? [`${chunk.type}:${chunk.id}`] : []));
    expect(ids).toEqual([
      "reasoning-start:reasoning-0",
      "reasoning-delta:reasoning-0",
      "reasoning-end:reasoning-0",
      "text-start:txt-0",
      "text-delta:txt-0",
      "text-end:txt-0",
      "reasoning-start:reasoning-0-1",
      "reasoning-delta:reasoning-0-1",
      "reasoning-end:reasoning-0-1",
      "text-start:txt-0-1",
      "text-delta:txt-0-1",
      "text-end:txt-0-1",
    ]);
  });

  it("does not relay a tool call (Quire offers none), and the answer still finishes", async () => {
    const parts: ModelStreamPart[] = [
      { type: "tool-input-start", id: "call-1", toolName: "search" },
      { type: "tool-input-delta", id: "call-1", delta: "{}" },
      { type: "tool-input-end", id: "call-1" },
      { type: "tool-call", toolCallId: "call-1", toolName: "search", input: "{}" },
      { ...FINISH, finishReason: { unified: "tool-calls", raw: "tool_calls" } },
    ];
    const chunks = await collect(answerChunks(readFromStart(Promise.resolve({ stream: partsStream(parts) })), { signal: live(), errorText }));
    expect(chunks).toEqual([{ type: "start-step" }, { type: "finish-step" }, { type: "finish", finishReason: "tool-calls" }]);
  });

  it("stops reading at the abort: one abort chunk, then the provider's stream is cancelled", async () => {
    const client = new AbortController();
    client.abort();
    const { stream, cancel } = openStream([{ type: "error", error: new Error("aborted") }, { type: "text-start", id: "0" }]);
    const chunks = await collect(answerChunks(readFromStart(Promise.resolve({ stream })), { signal: client.signal, errorText }));
    expect(chunks).toEqual([{ type: "start-step" }, { type: "abort" }]);
    expect(cancel).toHaveBeenCalledTimes(1);
  });

  it("a consumer that stops at the first chunk cancels the provider's stream", async () => {
    const { stream, cancel } = openStream([{ type: "text-start", id: "0" }]);
    for await (const chunk of answerChunks(readFromStart(Promise.resolve({ stream })), { signal: live(), errorText })) {
      expect(chunk.type).toBe("start-step");
      break;
    }
    await vi.waitFor(() => expect(cancel).toHaveBeenCalledTimes(1));
  });

  it("a consumer that stops early cancels the provider's stream", async () => {
    const { stream, cancel } = openStream([
      { type: "text-start", id: "0" },
      { type: "text-delta", id: "0", delta: "A" },
    ]);
    for await (const chunk of answerChunks(readFromStart(Promise.resolve({ stream })), { signal: live(), errorText })) {
      if (chunk.type === "text-delta") break;
    }
    expect(cancel).toHaveBeenCalledTimes(1);
  });
});

describe("readFromStart", () => {
  /** A provider that sends many events before the first token, each in its own network chunk. */
  function slowStartFetch(): typeof fetch {
    const chunk = (delta: object, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const events = [
      chunk({ role: "assistant", content: "" }),
      ...Array.from({ length: 30 }, () => ": OPENROUTER PROCESSING\n\n"),
      ...Array.from({ length: 10 }, () => chunk({ content: "" })),
      chunk({ content: "Hi" }),
      chunk({}, "stop"),
      "data: [DONE]\n\n",
    ];
    return async () => {
      const encoder = new TextEncoder();
      let next = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          await new Promise((resolve) => setTimeout(resolve, 2));
          const event = events[next++];
          if (event === undefined) controller.close();
          else controller.enqueue(encoder.encode(event));
        },
      });
      return new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } });
    };
  }

  async function startSlowAnswer() {
    const guard = createGuardedFetch({ provider: "openrouter" }, { firstTokenTimeoutMs: 1500, idleTimeoutMs: 5000, baseFetch: slowStartFetch() });
    const model = createOpenAICompatible({ name: "openrouter", baseURL: "http://127.0.0.1:9/v1", fetch: guard.fetch }).chatModel("m");
    const started = model.doStream({ prompt: answerPrompt("S", [{ role: "user", text: "Hi?" }]), abortSignal: live() });
    return { guard, started };
  }

  it("lets the guard see a first token that comes after many events, while nobody reads the answer yet", async () => {
    const { guard, started } = await startSlowAnswer();
    const parts = readFromStart(started);
    await expect(guard.firstToken).resolves.toBeUndefined();
    const chunks = await collect(answerChunks(parts, { signal: live(), errorText }));
    expect(chunks.flatMap((chunk) => (chunk.type === "text-delta" ? [chunk.delta] : [])).join("")).toBe("Hi");
    expect(chunks.at(-1)).toEqual({ type: "finish", finishReason: "stop" });
  });

  it("is needed: unread, the same stream stalls the guard until the first-token timeout", async () => {
    const { guard, started } = await startSlowAnswer();
    await started; // the response has arrived; its parts are left unread, as before the gate opens
    await expect(guard.firstToken).rejects.toMatchObject({ code: "timeout" });
  });
});

describe("answerPrompt", () => {
  it("puts the system text first and leaves out turns without text", () => {
    expect(
      answerPrompt("S", [
        { role: "user", text: "First?" },
        { role: "assistant", text: "  " },
        { role: "user", text: "Second?" },
        { role: "assistant", text: "Yes." },
      ]),
    ).toEqual([
      { role: "system", content: "S" },
      { role: "user", content: [{ type: "text", text: "First?" }] },
      { role: "user", content: [{ type: "text", text: "Second?" }] },
      { role: "assistant", content: [{ type: "text", text: "Yes." }] },
    ]);
  });
});
