import "server-only";
import { z } from "zod";
import { AppError } from "@/src/server/errors";
import type { CredentialKind } from "@/src/shared/credentials";
import type { LimitSource } from "@/src/shared/errors";
import type { ProviderId } from "@/src/shared/providers";
import { providerLabels, topUpUrls } from "@/src/shared/providers";
import { parseRetryAfter } from "@/src/server/providers/retry-after";
import { upstreamFailureOfStreamEvent } from "@/src/server/providers/stream-error";

/** What was being done when the provider failed; shapes the message, never the code. */
export interface FailureContext {
  provider: ProviderId;
  source?: CredentialKind;
  model?: string;
}

export interface UpstreamFailure {
  status: number;
  /** The raw response body; parsed leniently, never shown to the user. */
  body: string;
  retryAfterHeader?: string | null;
}

/** OpenRouter answers `{"error": {"code", "message", "metadata"}}` (PROTOCOLS.md §2.7). */
const openRouterBodySchema = z.object({
  error: z
    .object({
      code: z.union([z.number(), z.string()]).nullish(),
      message: z.string().nullish(),
      metadata: z.object({ limit_source: z.string().nullish() }).loose().nullish(),
    })
    .loose(),
});

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const limitSources: Record<string, LimitSource> = {
  openrouter_credits: "account_credits",
  openrouter_key_limit: "key_limit",
  openrouter_in_flight_budget: "in_flight_budget",
};

/** The effective status: OpenRouter's `error.code` wins for in-stream errors sent with HTTP 200. */
function effectiveStatus(provider: ProviderId, failure: UpstreamFailure): { status: number; limitSource?: LimitSource } {
  const json = parseJson(failure.body);
  if (provider === "openrouter") {
    const parsed = openRouterBodySchema.safeParse(json);
    if (parsed.success) {
      const code = Number(parsed.data.error.code);
      const status = Number.isInteger(code) && code >= 400 && code < 600 ? code : failure.status;
      const source = parsed.data.error.metadata?.limit_source;
      return { status, limitSource: source ? limitSources[source] : undefined };
    }
  }
  return { status: failure.status };
}

function creditsMessage(provider: ProviderId, limitSource: LimitSource | undefined): string {
  if (provider === "chutes") return "Your Chutes balance is used up. Top up your Chutes account to keep chatting.";
  if (limitSource === "key_limit") {
    return "This OpenRouter key has reached its spending limit. Raise the key's limit on OpenRouter or use another key.";
  }
  if (limitSource === "in_flight_budget") {
    return "Your OpenRouter balance is tied up by requests still running. Wait a moment and try again.";
  }
  return "Your OpenRouter balance is used up. Add credits on OpenRouter to keep chatting.";
}

function invalidCredentialMessage(context: FailureContext): string {
  if (context.source === "oauth") return "Your Chutes session is no longer valid. Sign in with Chutes again.";
  return `Your ${providerLabels[context.provider]} API key was rejected. Check it, or enter a new one.`;
}

/**
 * Maps an upstream HTTP failure to an AppError, on the status code and the error
 * fields of PROTOCOLS.md §1.8 and §2.7, never on message text.
 */
export function classifyUpstreamFailure(failure: UpstreamFailure, context: FailureContext): AppError {
  const { provider } = context;
  const label = providerLabels[provider];
  const { status, limitSource } = effectiveStatus(provider, failure);
  const retryAfter = parseRetryAfter(failure.retryAfterHeader);
  const options = { provider, status: undefined, cause: undefined };
  switch (true) {
    case status === 400 || status === 422:
      return new AppError("bad_request", `${label} rejected the request as invalid.`, options);
    case status === 401:
      return new AppError("invalid_credential", invalidCredentialMessage(context), {
        ...options,
        ...(context.source && { credential: context.source }),
      });
    case status === 402: {
      const source = provider === "chutes" ? "balance" : (limitSource ?? "account_credits");
      return new AppError("credits_exhausted", creditsMessage(provider, source), {
        ...options,
        limitSource: source,
        topUpUrl: topUpUrls[provider],
        ...(retryAfter !== undefined && source === "in_flight_budget" && { retryAfter }),
      });
    }
    case status === 403:
      return new AppError(
        "forbidden",
        `${label} refused this request: the credential lacks permission for it, or the content was flagged.`,
        options,
      );
    case status === 404:
      return new AppError(
        "model_not_found",
        context.model
          ? `The model "${context.model}" is not available on ${label}. Pick another model.`
          : `${label} could not find the requested model or endpoint.`,
        options,
      );
    case status === 408 || status === 504:
      return new AppError("timeout", `${label} took too long to answer. Try again.`, options);
    case status === 429:
      return new AppError(
        "rate_limited",
        retryAfter !== undefined
          ? `${label} is rate-limiting requests. Try again in ${Math.ceil(retryAfter)} s.`
          : `${label} is rate-limiting requests. Wait a moment and try again.`,
        { ...options, ...(retryAfter !== undefined && { retryAfter }) },
      );
    case status === 502 || status === 503:
      return new AppError(
        "provider_unavailable",
        `${label} has no capacity for this model right now. Try again shortly, or switch model.`,
        { ...options, ...(retryAfter !== undefined && { retryAfter }) },
      );
    default:
      return new AppError("upstream_error", `${label} failed to answer (an unexpected error on its side). Try again.`, options);
  }
}

/** An error event received after HTTP 200: OpenRouter's `error` chunk or Chutes' bare JSON line (stream-error.ts). */
export function classifyStreamError(payload: unknown, context: FailureContext): AppError {
  return classifyUpstreamFailure(upstreamFailureOfStreamEvent(payload, context.provider), context);
}

/** A connection that could not be made, or that dropped before the answer finished. */
export function connectionFailure(context: FailureContext, phase: "connect" | "midstream"): AppError {
  const label = providerLabels[context.provider];
  return phase === "connect"
    ? new AppError("provider_unavailable", `Could not reach ${label}. Check your connection, or try again shortly.`, {
        provider: context.provider,
        status: 502,
      })
    : new AppError("upstream_error", `The connection to ${label} dropped before the answer finished. Try again.`, {
        provider: context.provider,
      });
}

/** The provider did not start answering in time (no first token), or went silent mid-answer. */
export function timeoutFailure(context: FailureContext, phase: "first-token" | "idle", afterMs: number): AppError {
  const label = providerLabels[context.provider];
  const seconds = Math.round(afterMs / 1000);
  const message =
    phase === "first-token"
      ? `${label} did not start answering within ${seconds} s. Try again, or switch model.`
      : `${label} stopped sending the answer for ${seconds} s. Try again.`;
  return new AppError("timeout", message, { provider: context.provider });
}

/** Why checking a key against the provider's account endpoint failed (PROTOCOLS.md §1.5, §2.3). */
export type AccountCheckFailure =
  | { kind: "timeout"; afterMs: number }
  | { kind: "unreachable" }
  | { kind: "http"; failure: UpstreamFailure }
  | { kind: "unreadable" };

/**
 * Key checks speak to the user about the key: a refused key is "rejected", an empty
 * balance passes through as credits_exhausted, and everything else means "try again".
 */
export function accountCheckFailure(provider: ProviderId, check: AccountCheckFailure): AppError {
  const label = providerLabels[provider];
  const unavailable = (message: string, status = 502) => new AppError("provider_unavailable", message, { provider, status });
  switch (check.kind) {
    case "timeout":
      return unavailable(`${label} did not answer within ${check.afterMs / 1000} s. Try again shortly.`, 504);
    case "unreachable":
      return unavailable(`Could not reach ${label} to check the key. Try again shortly.`);
    case "unreadable":
      return unavailable(`${label} sent an unexpected answer. Try again shortly.`);
    case "http": {
      const error = classifyUpstreamFailure(check.failure, { provider, source: "apiKey" });
      if (error.code === "invalid_credential" || error.code === "forbidden") {
        return new AppError(
          "invalid_credential",
          `${label} rejected this key. Check that you copied all of it and that it is still active.`,
          { provider, status: 401 },
        );
      }
      if (error.code === "credits_exhausted") return error;
      return unavailable(`${label} could not check the key right now. Try again shortly.`);
    }
  }
}
