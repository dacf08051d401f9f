import { describe, expect, it } from "vitest";
import { AppError } from "@/src/server/errors";
import { createGuardedFetch } from "@/src/server/providers/first-token-gate";

const context = { provider: "chutes" as const, source: "apiKey" as const, model: "m" };
const encoder = new TextEncoder();

/** An upstream that answers 200 with an event stream and then sends `lines` when told, or never. */
function silentUpstream(): { fetch: typeof fetch; send: (line: string) => void } {
  let push: ((line: string) => void) | undefined;
  const upstream: typeof fetch = async (_input, init) => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (line) => controller.enqueue(encoder.encode(line));
        init?.signal?.addEventListener("abort", () => controller.error(new DOMException("aborted", "AbortError")));
      },
    });
    return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
  };
  return { fetch: upstream, send: (line) => push?.(line) };
}

async function drain(response: Response): Promise<string> {
  return new Response(response.body).text().catch(() => "");
}

describe("the first-token gate", () => {
  it("opens at the first answer token", async () => {
    const upstream = silentUpstream();
    const guard = createGuardedFetch(context, { firstTokenTimeoutMs: 5000, idleTimeoutMs: 5000, baseFetch: upstream.fetch });
    const response = await guard.fetch("http://fake/chat", {});
    const reading = drain(response);
    upstream.send('data: {"choices":[{"delta":{"role":"assistant"}}]}\n\n');
    upstream.send('data: {"choices":[{"delta":{"content":"Hi"}}]}\n\n');
    await expect(guard.firstToken).resolves.toBeUndefined();
    upstream.send("data: [DONE]\n\n");
    void reading;
  });

  it("settles at once when the request is aborted before the first token, not after the timer", async () => {
    const upstream = silentUpstream();
    const guard = createGuardedFetch(context, { firstTokenTimeoutMs: 60_000, idleTimeoutMs: 60_000, baseFetch: upstream.fetch });
    const abort = new AbortController();
    const response = await guard.fetch("http://fake/chat", { signal: abort.signal });
    void drain(response);
    const started = performance.now();
    abort.abort();
    const error = await guard.firstToken.then(() => null, (reason: unknown) => reason);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ status: 499 });
  });

  it("rejects with a timeout when no token comes in time", async () => {
    const upstream = silentUpstream();
    const guard = createGuardedFetch(context, { firstTokenTimeoutMs: 50, idleTimeoutMs: 5000, baseFetch: upstream.fetch });
    void drain(await guard.fetch("http://fake/chat", {}));
    await expect(guard.firstToken).rejects.toMatchObject({ code: "timeout", message: expect.stringContaining("within 0 s") });
  });

  it("classifies an HTTP error before any token", async () => {
    const upstream: typeof fetch = async () => new Response('{"detail":"quota"}', { status: 402 });
    const guard = createGuardedFetch(context, { firstTokenTimeoutMs: 5000, idleTimeoutMs: 5000, baseFetch: upstream });
    await expect(guard.fetch("http://fake/chat", {})).rejects.toMatchObject({ code: "credits_exhausted" });
    await expect(guard.firstToken).rejects.toMatchObject({ code: "credits_exhausted" });
    expect(guard.failure()?.code).toBe("credits_exhausted");
  });
});
