import "server-only";
import type { Credential } from "@/src/server/credential";
import { AppError } from "@/src/server/errors";
import { env } from "@/src/server/env";
import { log } from "@/src/server/log";
import { createGuardedFetch } from "@/src/server/providers/first-token-gate";
import { callChatModel } from "@/src/server/providers/create-model";
import { answerChunks, answerPrompt, readFromStart, type AnswerChunk } from "@/src/server/chat/answer-chunks";

export interface AnswerRequest {
  credential: Credential;
  model: string;
  system: string;
  /** The conversation; turns without text are left out of the prompt. */
  messages: readonly { role: "user" | "assistant"; text: string }[];
  signal: AbortSignal;
  /** Upper bound on one Retry-After wait before the single retry. */
  maxRetryWaitMs?: number;
  baseFetch?: typeof fetch;
}

/** An answer on its way: its chunks, each failure written with `errorText`. */
export interface AnswerStream {
  chunks(errorText: (error: unknown) => string): AsyncIterable<AnswerChunk>;
}

const DEFAULT_BACKOFF_MS = 1000;

function sleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, milliseconds);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
      },
      { once: true },
    );
  });
}

function startAttempt(request: AnswerRequest) {
  const guard = createGuardedFetch(
    { provider: request.credential.provider, source: request.credential.source, model: request.model },
    {
      firstTokenTimeoutMs: env().QUIRE_FIRST_TOKEN_TIMEOUT_MS,
      idleTimeoutMs: env().QUIRE_IDLE_TIMEOUT_MS,
      gatherMs: env().QUIRE_STREAM_GATHER_MS,
      relayRate: env().QUIRE_STREAM_RELAY_RATE,
      baseFetch: request.baseFetch,
    },
  );
  const started = callChatModel(request.credential, request.model, guard.fetch, (model) =>
    Promise.resolve(model.doStream({ prompt: answerPrompt(request.system, request.messages), abortSignal: request.signal })),
  );
  // Read from the start, so that the guard sees the first token however much comes before it.
  const parts = readFromStart(started);
  const result: AnswerStream = {
    chunks: (errorText) => answerChunks(parts, { signal: request.signal, errorText }),
  };
  // The gate settles at the first token or the guard's failure. A call that fails before its
  // request reaches the guard fails it too, with the guard's error when it has one.
  const firstToken = Promise.race([guard.firstToken, started.then(() => guard.firstToken, (error: unknown) => Promise.reject(guard.failure() ?? error))]);
  return { guard, result, firstToken };
}

export interface StartedAnswer {
  result: AnswerStream;
  attempts: number;
  /** The model that is answering: the requested one, or the announced fallback. */
  model: string;
  failure: () => AppError | undefined;
}

async function attemptWithRetry(request: AnswerRequest, attemptsSoFar: number): Promise<StartedAnswer> {
  const maxWait = request.maxRetryWaitMs ?? env().QUIRE_MAX_RETRY_WAIT_MS;
  for (let attempt = 1; ; attempt++) {
    const { guard, result, firstToken } = startAttempt(request);
    try {
      await firstToken;
      return { result, attempts: attemptsSoFar + attempt, model: request.model, failure: guard.failure };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      // A first-token timeout is retryable in general, but here it has already spent the user's wait.
      const retry = error.retryable && error.code !== "timeout";
      if (attempt > 1 || !retry || request.signal.aborted) throw error;
      const wait = Math.min(maxWait, error.retryAfter !== undefined ? error.retryAfter * 1000 : DEFAULT_BACKOFF_MS);
      log().info({ code: error.code, provider: request.credential.provider, waitMs: wait }, "retrying chat once");
      await sleep(wait, request.signal);
    }
  }
}

/**
 * Starts the answer and waits for its first token, so that a failure before any
 * output is answered with a real HTTP status. 429, 502 and 503 before the first
 * token get one retry after a backoff that honours Retry-After (capped); 401, 402
 * and 403 are never retried, and nothing is retried once tokens have streamed.
 * When Chutes stays unavailable and CHUTES_FALLBACK_MODEL is set, the fallback
 * model gets one attempt, and the answer's metadata announces it.
 */
export async function startAnswer(request: AnswerRequest): Promise<StartedAnswer> {
  try {
    return await attemptWithRetry(request, 0);
  } catch (error) {
    const fallback = env().CHUTES_FALLBACK_MODEL;
    const eligible =
      error instanceof AppError &&
      error.code === "provider_unavailable" &&
      request.credential.provider === "chutes" &&
      fallback !== undefined &&
      fallback !== request.model &&
      !request.signal.aborted;
    if (!eligible) throw error;
    log().info({ model: request.model, fallback }, "chutes model unavailable; trying the fallback model");
    const { guard, result, firstToken } = startAttempt({ ...request, model: fallback });
    await firstToken;
    return { result, attempts: 3, model: fallback, failure: guard.failure };
  }
}
