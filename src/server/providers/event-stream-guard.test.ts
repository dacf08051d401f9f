import { describe, expect, it } from "vitest";
import type { AppError } from "@/src/server/errors";
import { guardEventStream } from "@/src/server/providers/event-stream-guard";

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
    let push: ((text: string) => void) | undefined;
    const source = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (text) => controller.enqueue(encoder.encode(text));
      },
    });
    const stream = guardEventStream(source, {
      context: { provider: "chutes", source: "apiKey", model: "m" },
      idleTimeoutMs: 5000,
      controller: new AbortController(),
      onToken: () => undefined,
      onError: (error) => error,
      coalesce: true,
    });
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    push?.(token("one"));
    expect(decoder.decode((await reader.read()).value)).toBe(token("one"));
    push?.(token("two"));
    expect(decoder.decode((await reader.read()).value)).toBe(token("two"));
    await reader.cancel();
  });
});
