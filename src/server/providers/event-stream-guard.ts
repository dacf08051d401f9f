import "server-only";
import { AppError } from "@/src/server/errors";
import { classifyStreamError, connectionFailure, timeoutFailure, type FailureContext } from "@/src/server/providers/classify-error";

export interface EventStreamGuard {
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

/**
 * Inspects one SSE line; returns an AppError when it is an error event. Once the first
 * token has been seen, only a line that can be an error event (it names `"error"`) is
 * parsed: the SDK parses every chunk anyway, and a second parse per token showed in
 * the profile under load.
 */
function inspectLine(line: string, guard: EventStreamGuard, tokenSeen: boolean): AppError | undefined {
  const trimmed = line.trim();
  if (trimmed.startsWith("{")) return classifyStreamError(parseJsonLine(trimmed), guard.context);
  if (!trimmed.startsWith("data:")) return undefined;
  const data = trimmed.slice(5).trim();
  if (data === "[DONE]") return undefined;
  if (tokenSeen && !data.includes('"error"')) return undefined;
  const chunk = parseJsonLine(data);
  if (typeof chunk === "object" && chunk !== null && "error" in chunk && chunk.error) {
    return classifyStreamError(chunk, guard.context);
  }
  if (!tokenSeen && carriesToken(chunk)) guard.onToken();
  return undefined;
}

/**
 * Passes an upstream event stream through line by line: answer tokens open the
 * first-token gate, error events (OpenRouter's `error` chunk, Chutes' bare JSON line),
 * a dropped connection and an idle stream end it with a classified AppError.
 */
export function guardEventStream(source: ReadableStream<Uint8Array>, guard: EventStreamGuard): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let tokenSeen = false;
  const watched: EventStreamGuard = {
    ...guard,
    onToken: () => {
      tokenSeen = true;
      guard.onToken();
    },
  };
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let pending = "";
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  const armIdle = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      const error = timeoutFailure(guard.context, "idle", guard.idleTimeoutMs);
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

  const finish = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    clearTimeout(idleTimer);
    const last = pending + decoder.decode();
    const error = last ? inspectLine(last, watched, tokenSeen) : undefined;
    if (error) return endWithError(controller, error);
    if (last) controller.enqueue(encoder.encode(last));
    // An answer that ended cleanly without any token still settles the gate.
    guard.onToken();
    controller.close();
  };

  /** Relays the complete lines of one network chunk; false when it held none (part of a line). */
  const relay = (controller: ReadableStreamDefaultController<Uint8Array>, value: Uint8Array): boolean => {
    armIdle();
    const lines = (pending + decoder.decode(value, { stream: true })).split("\n");
    pending = lines.pop() ?? "";
    const passed: string[] = [];
    for (const line of lines) {
      const error = inspectLine(line, watched, tokenSeen);
      if (error) {
        endWithError(controller, error, passed.map((kept) => `${kept}\n`).join(""));
        return true;
      }
      passed.push(line);
    }
    if (passed.length === 0) return false;
    controller.enqueue(encoder.encode(passed.map((line) => `${line}\n`).join("")));
    return true;
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      // A pull that enqueues nothing is not called again, so read on until a whole line
      // has passed: a network chunk can end inside a line (the stream used to stall there
      // until the idle timeout).
      while (!failed) {
        let read: ReadableStreamReadResult<Uint8Array>;
        try {
          read = await reader.read();
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
        if (read.done) return finish(controller);
        if (relay(controller, read.value)) return;
      }
    },
    cancel(reason) {
      clearTimeout(idleTimer);
      guard.controller.abort(reason);
      return reader.cancel(reason).catch(() => undefined);
    },
  });
}
