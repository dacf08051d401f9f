import { AppError } from "@/src/server/errors";
import { classifyUpstreamFailure, connectionFailure, type FailureContext } from "@/src/server/providers/classify-error";
import { classifyStreamError } from "@/src/server/providers/stream-error";
import { providerLabels } from "@/src/shared/providers";

export interface GuardOptions {
  /** Time allowed from the request to the first answer token. */
  firstTokenTimeoutMs: number;
  /** Time allowed between two chunks once the answer has started. */
  idleTimeoutMs: number;
  /** The fetch to wrap; tests may inject one. */
  baseFetch?: typeof fetch;
}

export interface GuardedFetch {
  fetch: typeof fetch;
  /**
   * Settles once per guard: resolves at the first answer token (or a non-streamed
   * 200), rejects with a classified AppError if the request fails before that.
   */
  firstToken: Promise<void>;
  /** The classified failure of the request, if it failed; the stream error part carries its payload. */
  failure: () => AppError | undefined;
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: AppError) => void } {
  let resolve!: () => void;
  let reject!: (error: AppError) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError");
}

/**
 * A fetch for the AI SDK that turns every upstream failure into an AppError at the
 * edge of the provider: HTTP errors, OpenRouter's in-stream `error` events, Chutes'
 * bare JSON error lines, dropped connections and both timeouts. It keeps back
 * pressure (chunks pass through as they are read) and aborts the upstream request
 * on Stop or timeout.
 */
export function createGuardedFetch(context: FailureContext, options: GuardOptions): GuardedFetch {
  const gate = deferred();
  let tokenSeen = false;
  let failure: AppError | undefined;
  const baseFetch = options.baseFetch ?? fetch;

  const guardedFetch = async (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
    const controller = new AbortController();
    const outer = init?.signal;
    if (outer?.aborted) controller.abort(outer.reason);
    outer?.addEventListener("abort", () => controller.abort(outer.reason), { once: true });
    const timeoutError = new AppError(
      "timeout",
      `${providerLabels[context.provider]} did not start answering within ${Math.round(options.firstTokenTimeoutMs / 1000)} s. Try again, or switch model.`,
      { provider: context.provider },
    );
    const firstTokenTimer = setTimeout(() => {
      gate.reject(timeoutError);
      controller.abort(timeoutError);
    }, options.firstTokenTimeoutMs);
    const fail = (error: AppError): AppError => {
      failure ??= error;
      clearTimeout(firstTokenTimer);
      gate.reject(error);
      return error;
    };

    let response: Response;
    try {
      response = await baseFetch(input, { ...init, signal: controller.signal });
    } catch (error) {
      if (controller.signal.reason instanceof AppError) throw fail(controller.signal.reason);
      if (isAbort(error) || outer?.aborted) throw error;
      throw fail(connectionFailure(context, "connect"));
    }
    if (!response.ok) {
      const body = await response.text().catch(() => "");
      throw fail(
        classifyUpstreamFailure({ status: response.status, body, retryAfterHeader: response.headers.get("retry-after") }, context),
      );
    }
    const isStream = (response.headers.get("content-type") ?? "").includes("text/event-stream");
    if (!isStream || !response.body) {
      clearTimeout(firstTokenTimer);
      gate.resolve();
      return response;
    }
    const body = guardEventStream(response.body, {
      context,
      idleTimeoutMs: options.idleTimeoutMs,
      controller,
      onToken: () => {
        if (tokenSeen) return;
        tokenSeen = true;
        clearTimeout(firstTokenTimer);
        gate.resolve();
      },
      onError: fail,
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };

  return { fetch: guardedFetch as typeof fetch, firstToken: gate.promise, failure: () => failure };
}

interface EventStreamGuard {
  context: FailureContext;
  idleTimeoutMs: number;
  controller: AbortController;
  onToken: () => void;
  onError: (error: AppError) => AppError;
}

/** True when an OpenAI-style chunk carries answer content (text, reasoning or a tool call). */
function carriesToken(chunk: unknown): boolean {
  if (typeof chunk !== "object" || chunk === null || !("choices" in chunk) || !Array.isArray(chunk.choices)) return false;
  return chunk.choices.some((choice: unknown) => {
    if (typeof choice !== "object" || choice === null || !("delta" in choice)) return false;
    const delta = choice.delta as Record<string, unknown> | null;
    if (!delta) return false;
    return ["content", "reasoning", "reasoning_content"].some((key) => typeof delta[key] === "string" && delta[key] !== "") ||
      (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0);
  });
}

function parseJsonLine(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Inspects one SSE line; returns an AppError when it is an error event. */
function inspectLine(line: string, guard: EventStreamGuard): AppError | undefined {
  const trimmed = line.trim();
  if (trimmed.startsWith("{")) return classifyStreamError(parseJsonLine(trimmed), guard.context);
  if (!trimmed.startsWith("data:")) return undefined;
  const data = trimmed.slice(5).trim();
  if (data === "[DONE]") return undefined;
  const chunk = parseJsonLine(data);
  if (typeof chunk === "object" && chunk !== null && "error" in chunk && chunk.error) {
    return classifyStreamError(chunk, guard.context);
  }
  if (carriesToken(chunk)) guard.onToken();
  return undefined;
}

function guardEventStream(source: ReadableStream<Uint8Array>, guard: EventStreamGuard): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let pending = "";
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  const armIdle = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      const error = new AppError(
        "timeout",
        `${providerLabels[guard.context.provider]} stopped sending the answer for ${Math.round(guard.idleTimeoutMs / 1000)} s. Try again.`,
        { provider: guard.context.provider },
      );
      guard.onError(error);
      guard.controller.abort(error);
    }, guard.idleTimeoutMs);
  };

  // The SDK learns of a failure from a synthetic error event followed by a clean
  // close: erroring the byte stream would make the pipes behind it drop the
  // partial answer still in their queues. The AppError itself travels through
  // the guard's failure() side channel.
  let failed = false;
  const endWithError = (controller: ReadableStreamDefaultController<Uint8Array>, error: AppError, before = "") => {
    failed = true;
    clearTimeout(idleTimer);
    guard.onError(error);
    guard.controller.abort(error);
    reader.cancel(error).catch(() => undefined);
    const event = JSON.stringify({ error: { message: error.message, code: `quire:${error.code}` } });
    controller.enqueue(encoder.encode(`${before}\ndata: ${event}\n\n`));
    controller.close();
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (failed) return;
      let value: Uint8Array | undefined;
      try {
        const read = await reader.read();
        if (read.done) {
          clearTimeout(idleTimer);
          const last = pending + decoder.decode();
          const error = last ? inspectLine(last, guard) : undefined;
          if (error) return endWithError(controller, error);
          if (last) controller.enqueue(encoder.encode(last));
          // An answer that ended cleanly without any token still settles the gate.
          guard.onToken();
          controller.close();
          return;
        }
        value = read.value;
      } catch (error) {
        const reason = guard.controller.signal.reason;
        if (reason instanceof AppError) return endWithError(controller, reason);
        if (guard.controller.signal.aborted) {
          clearTimeout(idleTimer);
          controller.error(error);
          return;
        }
        return endWithError(controller, connectionFailure(guard.context, "midstream"));
      }
      armIdle();
      const lines = (pending + decoder.decode(value, { stream: true })).split("\n");
      pending = lines.pop() ?? "";
      const passed: string[] = [];
      for (const line of lines) {
        const error = inspectLine(line, guard);
        if (error) return endWithError(controller, error, passed.map((kept) => `${kept}\n`).join(""));
        passed.push(line);
      }
      if (passed.length > 0) controller.enqueue(encoder.encode(passed.map((line) => `${line}\n`).join("")));
    },
    cancel(reason) {
      clearTimeout(idleTimer);
      guard.controller.abort(reason);
      return reader.cancel(reason).catch(() => undefined);
    },
  });
}
