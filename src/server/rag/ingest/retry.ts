import "server-only";
/**
 * Retries an embedding call on 429 and 5xx-class failures (AppError.retryable),
 * with exponential backoff and jitter, honouring Retry-After when the provider
 * sends one. Anything else (a bad key, no credits) fails at once.
 */
export interface RetryOptions {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (milliseconds: number) => Promise<void>;
  onRetry?: (attempt: number, delayMs: number, error: unknown) => void;
}

export const DEFAULT_RETRY: RetryOptions = {
  attempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
};

function retryInfo(error: unknown): { retryable: boolean; retryAfterSeconds?: number } {
  if (typeof error !== "object" || error === null) return { retryable: false };
  const record = error as { retryable?: unknown; retryAfter?: unknown };
  return {
    retryable: record.retryable === true,
    retryAfterSeconds: typeof record.retryAfter === "number" ? record.retryAfter : undefined,
  };
}

export async function withRetry<T>(work: () => Promise<T>, options: RetryOptions = DEFAULT_RETRY): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const { retryable, retryAfterSeconds } = retryInfo(error);
      if (!retryable || attempt >= options.attempts) throw error;
      const backoff = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
      const jittered = backoff / 2 + Math.random() * (backoff / 2);
      const delay = retryAfterSeconds !== undefined ? Math.min(options.maxDelayMs, retryAfterSeconds * 1000) : jittered;
      options.onRetry?.(attempt, delay, error);
      await options.sleep(delay);
    }
  }
}
