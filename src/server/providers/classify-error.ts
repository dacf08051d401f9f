import { z } from "zod";
import { AppError } from "@/src/server/errors";
import type { CredentialSource } from "@/src/server/auth/credential";
import type { LimitSource, ProviderId } from "@/src/shared/errors";
import { providerLabels, topUpUrls } from "@/src/shared/providers";
import { parseRetryAfter } from "@/src/server/providers/retry-after";

/** What was being done when the provider failed; shapes the message, never the code. */
export interface FailureContext {
  provider: ProviderId;
  source?: CredentialSource;
  model?: string;
}

export interface UpstreamFailure {
  status: number;
  /** The raw response body; parsed leniently, never shown to the user. */
  body: string;
  retryAfterHeader?: string | null;
}

/** Chutes answers FastAPI-style: `{"detail": "..."}` or `{"detail": {"message": ...}}` (PROTOCOLS.md §1.8). */
const chutesBodySchema = z.object({
  detail: z.union([z.string(), z.object({ message: z.string().nullish() }).loose(), z.array(z.unknown())]).nullish(),
});

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

/** True when a Chutes 402 body is the structured quota/balance form. */
export function isChutesQuotaBody(body: string): boolean {
  const parsed = chutesBodySchema.safeParse(parseJson(body));
  return parsed.success && typeof parsed.data.detail === "object" && parsed.data.detail !== null && !Array.isArray(parsed.data.detail);
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
