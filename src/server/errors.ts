import "server-only";
import { isRetryable, type ErrorCode, type ErrorPayload, type LimitSource } from "@/src/shared/errors";
import type { CredentialKind } from "@/src/shared/credentials";
import type { ProviderId } from "@/src/shared/providers";
import { appendSetCookies } from "@/src/server/set-cookie";

export type ErrorCategory = "user" | "upstream" | "system";

const statusByCode: Record<ErrorCode, number> = {
  bad_request: 400,
  invalid_format: 400,
  invalid_credential: 401,
  credits_exhausted: 402,
  forbidden: 403,
  cross_origin: 403,
  not_found: 404,
  model_not_found: 404,
  rate_limited: 429,
  upstream_error: 502,
  provider_unavailable: 503,
  timeout: 504,
  internal_error: 500,
};

const categoryByCode: Record<ErrorCode, ErrorCategory> = {
  bad_request: "user",
  invalid_format: "user",
  invalid_credential: "user",
  credits_exhausted: "user",
  forbidden: "user",
  cross_origin: "user",
  not_found: "user",
  model_not_found: "user",
  rate_limited: "upstream",
  upstream_error: "upstream",
  provider_unavailable: "upstream",
  timeout: "upstream",
  internal_error: "system",
};

export interface AppErrorOptions {
  status?: number;
  provider?: ProviderId;
  retryAfter?: number;
  topUpUrl?: string;
  limitSource?: LimitSource;
  /** Which kind of credential failed; lets the client offer "sign in again" rather than "re-enter key". */
  credential?: CredentialKind;
  cause?: unknown;
}

/**
 * The one error type of the server. Upstream failures are classified into an
 * AppError once, and converted to a response once, at the edge. The message is
 * always safe to show a user: it never contains a secret or a raw upstream body.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly category: ErrorCategory;
  readonly provider?: ProviderId;
  readonly retryAfter?: number;
  readonly topUpUrl?: string;
  readonly limitSource?: LimitSource;
  readonly credential?: CredentialKind;
  /** Cookies the response must still set, e.g. a session refreshed before the failure. */
  readonly setCookies: string[] = [];

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.status = options.status ?? statusByCode[code];
    this.category = categoryByCode[code];
    this.provider = options.provider;
    this.retryAfter = options.retryAfter;
    this.topUpUrl = options.topUpUrl;
    this.limitSource = options.limitSource;
    this.credential = options.credential;
  }

  /** Adds cookies that must reach the browser even though the request failed. */
  withCookies(cookies: string[]): this {
    this.setCookies.push(...cookies);
    return this;
  }

  /** See `isRetryable` (src/shared/errors.ts), the one rule. */
  get retryable(): boolean {
    return isRetryable(this.code);
  }

  toPayload(): ErrorPayload {
    return {
      code: this.code,
      message: this.message,
      ...(this.provider && { provider: this.provider }),
      ...(this.retryAfter !== undefined && { retryAfter: this.retryAfter }),
      ...(this.topUpUrl && { topUpUrl: this.topUpUrl }),
      ...(this.limitSource && { limitSource: this.limitSource }),
      ...(this.credential && { credential: this.credential }),
    };
  }

  toResponse(headers?: HeadersInit): Response {
    const responseHeaders = new Headers(headers);
    if (this.retryAfter !== undefined) responseHeaders.set("Retry-After", String(Math.ceil(this.retryAfter)));
    responseHeaders.set("Cache-Control", "no-store");
    appendSetCookies(responseHeaders, this.setCookies);
    return Response.json({ error: this.toPayload() }, { status: this.status, headers: responseHeaders });
  }
}

/** Any thrown value as an AppError (unwrapped from SDK wrappers); unknown failures become a generic internal error. */
export function toAppError(error: unknown): AppError {
  const known = unwrapAppError(error);
  if (known) return known;
  return new AppError("internal_error", "Something went wrong on our side. Please try again.", { cause: error });
}

/** The AI SDK may wrap what our fetch threw (RetryError, APICallError cause); find the AppError inside. */
export function unwrapAppError(error: unknown, depth = 0): AppError | undefined {
  if (error instanceof AppError) return error;
  if (typeof error !== "object" || error === null || depth > 5) return undefined;
  const record = error as { cause?: unknown; lastError?: unknown; errors?: unknown };
  return (
    unwrapAppError(record.lastError, depth + 1) ??
    unwrapAppError(record.cause, depth + 1) ??
    (Array.isArray(record.errors) ? record.errors.map((inner) => unwrapAppError(inner, depth + 1)).find(Boolean) : undefined)
  );
}
