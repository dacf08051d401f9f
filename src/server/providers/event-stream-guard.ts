import "server-only";
import { AppError } from "@/src/server/errors";
import { classifyStreamError, connectionFailure, timeoutFailure, type FailureContext } from "@/src/server/providers/classify-error";
import { coalesceDeltaEvents } from "@/src/server/providers/coalesce-deltas";

export interface EventStreamGuard {
  context: FailureContext;
  idleTimeoutMs: number;
  controller: AbortController;
  onToken: () => void;
  onError: (error: AppError) => AppError;
  /** Merge answer deltas that arrived together into one event (coalesce-deltas.ts); off: the bytes pass as they came. */
  coalesce?: boolean;
  /**
   * With `coalesce`: once the first token has gone out, the deltas that arrive within this many
   * milliseconds of the last relay are gathered and go on as one event (0: only those that
   * arrived together). The first token and the end of the stream are never held back.
   */
  gatherMs?: number;
  /**
   * With `gatherMs`: the relayed events per second that all answers streaming on this server
   * together aim to stay under. The window widens with the number of streaming answers
   * (up to MAX_GATHER_MS) so that the work behind the guard, which is per event, stays
   * bounded under load instead of growing with it. 0 or absent: the window stays `gatherMs`.
   */
  relayRate?: number;
}

/** The widest the gathering window grows under load: an answer still moves several times a second. */
export const MAX_GATHER_MS = 250;

/** Answers on this server past their first token and not ended: what the gathering window scales with. */
let streaming = 0;

/** The number of answers currently streaming through a guard (tests and diagnostics). */
export function streamingAnswers(): number {
  return streaming;
}

/**
 * The gathering window: `gatherMs`, widened when `streams` answers relaying at that pace
 * would exceed `relayRate` events per second together (each then relays every
 * streams / relayRate seconds), and never beyond `limit`.
 */
export function gatherWindow(gatherMs: number, relayRate: number, streams: number, limit = MAX_GATHER_MS): number {
  if (gatherMs <= 0 || relayRate <= 0) return Math.max(0, gatherMs);
  return Math.max(gatherMs, Math.min(limit, (streams * 1000) / relayRate));
}

/** What a read that has not settled yet stands for while the guard looks for chunks that already arrived. */
const NOT_ARRIVED = Symbol("not arrived");
const notArrived = Promise.resolve(NOT_ARRIVED);

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
  // Counted among the streaming answers from the first token until the stream ends, fails or is cancelled.
  let counted = false;
  // Set once the output has ended or been cancelled: nothing is counted, relayed or timed after it.
  let ended = false;
  const uncount = () => {
    if (!counted) return;
    counted = false;
    streaming--;
  };
  const watched: EventStreamGuard = {
    ...guard,
    onToken: () => {
      if (!tokenSeen && !ended) {
        counted = true;
        streaming++;
      }
      tokenSeen = true;
      guard.onToken();
    },
  };
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const gatherMs = guard.gatherMs ?? 0;
  const relayRate = guard.relayRate ?? 0;
  // The idle timer is armed at each relay: a widened window stays well inside it.
  const widest = Math.min(MAX_GATHER_MS, guard.idleTimeoutMs / 2);
  let lastRelay = 0;
  let pending = "";
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    ended = true;
    uncount();
    clearTimeout(idleTimer);
  };
  const armIdle = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      // Also what ends the count of an answer that nobody reads any more.
      uncount();
      const error = timeoutFailure(guard.context, "idle", guard.idleTimeoutMs);
      guard.onError(error);
      guard.controller.abort(error);
    }, guard.idleTimeoutMs);
  };

  // The SDK learns of a failure from a synthetic error event followed by a clean
  // close: erroring the byte stream would make the pipes behind it drop the
  // partial answer still in their queues. The AppError itself travels through
  // the guard's failure() side channel.
  const endWithError = (controller: ReadableStreamDefaultController<Uint8Array>, error: AppError, before = "") => {
    stop();
    guard.onError(error);
    guard.controller.abort(error);
    reader.cancel(error).catch(() => undefined);
    const event = JSON.stringify({ error: { message: error.message, code: `quire:${error.code}` } });
    controller.enqueue(encoder.encode(`${before}\ndata: ${event}\n\n`));
    controller.close();
  };

  const finish = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (ended) return;
    // Ended before the last line is looked at: a first token found there opens the gate but is not counted.
    stop();
    const last = pending + decoder.decode();
    const error = last ? inspectLine(last, watched, tokenSeen) : undefined;
    if (error) return endWithError(controller, error);
    if (last) controller.enqueue(encoder.encode(last));
    // An answer that ended cleanly without any token still settles the gate.
    guard.onToken();
    controller.close();
  };

  /** Relays the complete lines of the network chunks read together; false when they held none (part of a line). */
  const relay = (controller: ReadableStreamDefaultController<Uint8Array>, values: readonly Uint8Array[]): boolean => {
    // A cancel while the reads were pending: they came back done or with data for nobody.
    if (ended) return true;
    armIdle();
    let text = pending;
    for (const value of values) text += decoder.decode(value, { stream: true });
    const lines = text.split("\n");
    pending = lines.pop() ?? "";
    const passed: string[] = [];
    const joined = () => (guard.coalesce ? coalesceDeltaEvents(passed) : passed).map((line) => `${line}\n`).join("");
    for (const line of lines) {
      const error = inspectLine(line, watched, tokenSeen);
      if (error) {
        endWithError(controller, error, joined());
        return true;
      }
      passed.push(line);
    }
    if (passed.length === 0) return false;
    controller.enqueue(encoder.encode(joined()));
    lastRelay = performance.now();
    return true;
  };

  // A read started while looking for chunks that had already arrived, for the next pull to use.
  let ahead: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  const read = (): Promise<ReadableStreamReadResult<Uint8Array>> => {
    const next = ahead ?? reader.read();
    ahead = undefined;
    return next;
  };
  /**
   * The chunks after `first` that are already waiting in the upstream body, without
   * waiting for more: a server that fell behind relays them in one step. The first
   * read that has not settled (or that ended or failed) is kept for the next pull.
   */
  const arrivedAfter = async (first: Uint8Array): Promise<Uint8Array[]> => {
    const values = [first];
    // Gathering: wait for more until `gatherMs` after the last relay; otherwise take only what is there.
    const wait = guard.coalesce && tokenSeen && gatherMs > 0 ? lastRelay + gatherWindow(gatherMs, relayRate, streaming, widest) - performance.now() : 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const until = wait > 1 ? new Promise<typeof NOT_ARRIVED>((resolve) => (timer = setTimeout(resolve, wait, NOT_ARRIVED))) : notArrived;
    try {
      for (;;) {
        const next = reader.read();
        // Settled later by the next pull; without a handler, a failure meanwhile would be reported as unhandled.
        next.catch(() => undefined);
        let result: ReadableStreamReadResult<Uint8Array> | typeof NOT_ARRIVED;
        try {
          // An already settled read wins the race against the settled marker: its reaction was queued first.
          result = await Promise.race([next, until]);
        } catch {
          ahead = next;
          return values;
        }
        // The end of the stream (or a failure) is not waited for: what was gathered goes now.
        if (result === NOT_ARRIVED || result.done) {
          ahead = next;
          return values;
        }
        values.push(result.value);
      }
    } finally {
      clearTimeout(timer);
    }
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        await pullLines(controller);
      } catch (error) {
        stop();
        throw error;
      }
    },
    cancel(reason) {
      stop();
      guard.controller.abort(reason);
      return reader.cancel(reason).catch(() => undefined);
    },
  });

  async function pullLines(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    // A pull that enqueues nothing is not called again, so read on until a whole line
    // has passed: a network chunk can end inside a line (the stream used to stall there
    // until the idle timeout).
    while (!ended) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await read();
      } catch (error) {
        // Cancelled meanwhile: the failure of the read is the cancel's own.
        if (ended) return;
        const reason = guard.controller.signal.reason;
        if (reason instanceof AppError) return endWithError(controller, reason);
        if (guard.controller.signal.aborted) {
          stop();
          controller.error(error);
          return;
        }
        return endWithError(controller, connectionFailure(guard.context, "midstream"));
      }
      if (result.done) return finish(controller);
      if (relay(controller, await arrivedAfter(result.value))) return;
    }
  }
}
