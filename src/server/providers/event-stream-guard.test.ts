import { describe, expect, it } from "vitest";
import type { AppError } from "@/src/server/errors";
import { gatherWindow, guardEventStream, MAX_GATHER_MS, streamingAnswers } from "@/src/server/providers/event-stream-guard";

const encoder = new TextEncoder();

/** Runs `chunks` (split anywhere, as the network splits them) through the guard. */
async function guarded(chunks: string[], options: { coalesce?: boolean } = {}): Promise<{ text: string; tokens: number; errors: AppError[] }> {
  const source = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
  const errors: AppError[] = [];
  let tokens = 0;
  const stream = guardEventStream(source, {
    context: { provider: "openrouter", source: "apiKey", model: "m" },
    idleTimeoutMs: 5000,
    controller: new AbortController(),
    onToken: () => void tokens++,
    onError: (error) => {
      errors.push(error);
      return error;
    },
    ...options,
  });
  return { text: await new Response(stream).text(), tokens, errors };
}

const token = (text: string) => `data: ${JSON.stringify({ choices: [{ delta: { content: text } }] })}\n\n`;

/** A guard over a source the test pushes into, chunk by chunk; `next` times each read. */
function pushed(gatherMs?: number, relayRate?: number, idleTimeoutMs = 5000) {
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  const source = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const errors: AppError[] = [];
  const stream = guardEventStream(source, {
    context: { provider: "chutes", source: "apiKey", model: "m" },
    idleTimeoutMs,
    controller: new AbortController(),
    onToken: () => undefined,
    onError: (error) => (errors.push(error), error),
    coalesce: true,
    ...(gatherMs !== undefined && { gatherMs }),
    ...(relayRate !== undefined && { relayRate }),
  });
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  return {
    errors,
    push: (text: string) => controller?.enqueue(encoder.encode(text)),
    close: () => controller?.close(),
    next: async () => {
      const began = performance.now();
      const { value, done } = await reader.read();
      return { text: done ? undefined : decoder.decode(value), waited: performance.now() - began };
    },
    cancel: () => reader.cancel(),
    /** A read that has not settled yet, for a cancel to meet. */
    pending: () => reader.read(),
  };
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the event stream guard", () => {
  it("passes a clean stream through byte for byte, split lines included", async () => {
    const stream = `${token("Hello")}${token(" an error, quoted: \"error\"")}data: [DONE]\n\n`;
    const result = await guarded([stream.slice(0, 17), stream.slice(17, 60), stream.slice(60)]);
    expect(result.text).toBe(stream);
    expect(result.errors).toEqual([]);
    expect(result.tokens).toBeGreaterThan(0);
  });

  it("ends with a classified error when an error event follows the first tokens", async () => {
    const failure = `data: ${JSON.stringify({ error: { code: 402, message: "Insufficient credits" } })}\n\n`;
    const result = await guarded([token("Part"), token("ial"), failure.slice(0, 20), failure.slice(20), token("never")]);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.code).toBe("credits_exhausted");
    expect(result.text).toContain('"content":"ial"');
    expect(result.text).toContain("quire:credits_exhausted");
    expect(result.text).not.toContain("never");
  });

  it("catches a bare JSON error line (Chutes) after tokens", async () => {
    const result = await guarded([token("Hi"), `${JSON.stringify({ detail: "Internal server error" })}\n`]);
    expect(result.errors).toHaveLength(1);
  });

  it("with coalesce, merges the tokens that arrived together and keeps the text, the first token and [DONE]", async () => {
    const stream = `${token("Hel")}${token("lo")}${token(" there")}data: [DONE]\n\n`;
    const result = await guarded([stream.slice(0, 30), stream.slice(30, 70), stream.slice(70)], { coalesce: true });
    expect(result.text).toBe(`${token("Hello there")}data: [DONE]\n\n`);
    expect(result.tokens).toBeGreaterThan(0);
    expect(result.errors).toEqual([]);
  });

  it("with coalesce, still ends with the classified error after merged tokens, and drops what follows it", async () => {
    const failure = `data: ${JSON.stringify({ error: { code: 402, message: "Insufficient credits" } })}\n\n`;
    const result = await guarded([token("Part"), token("ial"), failure, token("never")], { coalesce: true });
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.code).toBe("credits_exhausted");
    expect(result.text).toContain('"content":"Partial"');
    expect(result.text).toContain("quire:credits_exhausted");
    expect(result.text).not.toContain("never");
  });

  it("relays a token at once when nothing else has arrived (no waiting to merge)", async () => {
    const stream = pushed();
    stream.push(token("one"));
    expect((await stream.next()).text).toBe(token("one"));
    stream.push(token("two"));
    expect((await stream.next()).text).toBe(token("two"));
    await stream.cancel();
  });

  describe("gathering (gatherMs)", () => {

    it("sends the first token at once, then gathers what arrives within the window into one event", async () => {
      const stream = pushed(300);
      stream.push(token("one"));
      const first = await stream.next();
      expect(first.text).toBe(token("one"));
      expect(first.waited).toBeLessThan(100);
      stream.push(token("two"));
      await sleep(30);
      stream.push(token(" three"));
      const second = await stream.next();
      expect(second.text).toBe(token("two three"));
      // It waited for the window that began at the first relay.
      expect(second.waited).toBeGreaterThan(150);
      await stream.cancel();
    });

    it("does not hold back a token that comes after a quiet spell longer than the window", async () => {
      const stream = pushed(50);
      stream.push(token("one"));
      await stream.next();
      await sleep(120);
      stream.push(token("two"));
      const second = await stream.next();
      expect(second.text).toBe(token("two"));
      expect(second.waited).toBeLessThan(40);
      await stream.cancel();
    });

    it("sends what it gathered as soon as the stream ends, without waiting out the window", async () => {
      const stream = pushed(1000);
      stream.push(token("one"));
      await stream.next();
      stream.push(token("two"));
      stream.push("data: [DONE]\n\n");
      setTimeout(() => stream.close(), 20);
      const rest = await stream.next();
      expect(rest.text).toBe(`${token("two")}data: [DONE]\n\n`);
      expect(rest.waited).toBeLessThan(500);
      expect((await stream.next()).text).toBeUndefined();
    });
  });

  describe("the gathering window under load (relayRate)", () => {
    it("is gatherMs until the streaming answers would relay more than relayRate events a second, then widens up to the cap", () => {
      expect(gatherWindow(20, 2000, 1)).toBe(20);
      expect(gatherWindow(20, 2000, 40)).toBe(20);
      expect(gatherWindow(20, 2000, 100)).toBe(50);
      expect(gatherWindow(20, 2000, 200)).toBe(100);
      expect(gatherWindow(20, 2000, 10_000)).toBe(MAX_GATHER_MS);
      // A floor above the cap is the operator's choice, kept as it is.
      expect(gatherWindow(400, 2000, 10_000)).toBe(400);
    });

    it("never widens when gathering or the rate is off", () => {
      expect(gatherWindow(0, 2000, 500)).toBe(0);
      expect(gatherWindow(20, 0, 500)).toBe(20);
    });

    it("counts an answer as streaming from its first token until it ends, fails or is cancelled", async () => {
      const before = streamingAnswers();
      const ended = pushed(0);
      ended.push(token("one"));
      await ended.next();
      const cancelled = pushed(0);
      cancelled.push(token("one"));
      await cancelled.next();
      const failed = pushed(0);
      failed.push(token("one"));
      await failed.next();
      const silent = pushed(0);
      expect(streamingAnswers()).toBe(before + 3);
      ended.close();
      expect((await ended.next()).text).toBeUndefined();
      await cancelled.cancel();
      failed.push(`data: ${JSON.stringify({ error: { code: 402, message: "Insufficient credits" } })}\n\n`);
      expect((await failed.next()).text).toContain("quire:credits_exhausted");
      expect(streamingAnswers()).toBe(before);
      // An answer that ends before any token was never counted.
      silent.push("data: [DONE]\n\n");
      silent.close();
      await silent.next();
      expect(streamingAnswers()).toBe(before);
    });

    it("does not count, nor time out, an answer cancelled while a read waits on its unfinished first line", async () => {
      const before = streamingAnswers();
      const stream = pushed(20, 500, 150);
      // The first token without its line end: nothing relayed yet, a read waiting for more.
      stream.push(token("one").trimEnd());
      const waiting = stream.pending();
      await sleep(10);
      await stream.cancel();
      await waiting.catch(() => undefined);
      await sleep(300);
      expect(streamingAnswers()).toBe(before);
      expect(stream.errors).toEqual([]);
    });

    it("never holds back the first token or the end, however wide the window", async () => {
      // A budget of 1 event a second: the window is at its widest from the first token on.
      const stream = pushed(20, 1);
      stream.push(token("one"));
      const first = await stream.next();
      expect(first.text).toBe(token("one"));
      expect(first.waited).toBeLessThan(100);
      stream.push(token("two"));
      setTimeout(() => stream.close(), 20);
      const rest = await stream.next();
      expect(rest.text).toBe(token("two"));
      expect(rest.waited).toBeLessThan(MAX_GATHER_MS - 50);
      expect((await stream.next()).text).toBeUndefined();
    });

    it("keeps the widened window inside half the idle timeout", () => {
      expect(gatherWindow(20, 1, 1, 60)).toBe(60);
    });

    it("holds the next event for the widened window when the rate is exceeded", async () => {
      // One streaming answer against a budget of 5 events a second: a window of 200 ms instead of 20.
      const stream = pushed(20, 5);
      stream.push(token("one"));
      await stream.next();
      stream.push(token("two"));
      const second = await stream.next();
      expect(second.text).toBe(token("two"));
      expect(second.waited).toBeGreaterThan(150);
      await stream.cancel();
    });
  });
});
