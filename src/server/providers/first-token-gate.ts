import "server-only";
import { AppError } from "@/src/server/errors";
import { classifyUpstreamFailure, connectionFailure, timeoutFailure, type FailureContext } from "@/src/server/providers/classify-error";
import { guardEventStream } from "@/src/server/providers/event-stream-guard";

export interface GuardOptions {
  /** Time allowed from the request to the first answer token. */
  firstTokenTimeoutMs: number;
  /** Time allowed between two chunks once the answer has started. */
  idleTimeoutMs: number;
  /** After the first token, deltas arriving within this many ms of the last relay go on together (event-stream-guard.ts). */
  gatherMs?: number;
  /** Relayed events per second that all streaming answers together aim to stay under (event-stream-guard.ts). */
  relayRate?: number;
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

/** What a cancelled request settles with: a user-side error, logged quietly, that nobody reads. */
function cancelledError(): AppError {
  return new AppError("bad_request", "The request was cancelled before the answer started.", { status: 499 });
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
    const firstTokenTimer = setTimeout(() => {
      const timeoutError = timeoutFailure(context, "first-token", options.firstTokenTimeoutMs);
      gate.reject(timeoutError);
      controller.abort(timeoutError);
    }, options.firstTokenTimeoutMs);
    // Stop settles the gate at once: nobody waits out the first-token timer for a request already gone.
    const onAbort = () => {
      clearTimeout(firstTokenTimer);
      gate.reject(cancelledError());
      controller.abort(outer?.reason);
    };
    if (outer?.aborted) onAbort();
    else outer?.addEventListener("abort", onAbort, { once: true });
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
      // Tokens that reach a busy server together go on as one event: the SDK's work behind this is per event.
      coalesce: true,
      gatherMs: options.gatherMs ?? 0,
      relayRate: options.relayRate ?? 0,
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };

  return { fetch: guardedFetch as typeof fetch, firstToken: gate.promise, failure: () => failure };
}
