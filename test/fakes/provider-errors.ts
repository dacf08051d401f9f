import type { Behavior } from "./types";

/** A complete error response: status, JSON body and any headers the provider adds. */
export interface ErrorResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type FailureKind = "forbidden" | "rateLimit" | "credits" | "unavailable" | "serverError";

/**
 * The failure a behavior asks for before any output, in the order the real
 * servers check: permission, rate limit, balance, capacity, crashes.
 * `creditsExhausted: "midstream"` only fails early when there is no stream to
 * fail in (non-stream chat, embeddings).
 */
export function behaviorFailure(
  behavior: Behavior,
  options: { streaming: boolean; credits: boolean },
): FailureKind | undefined {
  if (behavior.forbidden === true) return "forbidden";
  if (behavior.rateLimit !== undefined) return "rateLimit";
  if (options.credits && behavior.creditsExhausted === "before") return "credits";
  if (options.credits && behavior.creditsExhausted === "midstream" && !options.streaming) return "credits";
  if (behavior.unavailable === true) return "unavailable";
  if (behavior.serverError === true) return "serverError";
  return undefined;
}

/** Text of a Chutes 402 (PROTOCOLS §1.8); it names "balance" as the real one does. */
export const CHUTES_QUOTA_MESSAGE =
  "Quota exceeded and account balance is $0.0, please pay with fiat or send tao to 5HfakePaymentAddressForQuireTests";

function retryAfter(behavior: Behavior): Record<string, string> {
  return { "retry-after": String(behavior.rateLimit?.retryAfterSeconds ?? 1) };
}

/** FastAPI-style `{"detail": …}` bodies (PROTOCOLS §1.8). */
export function chutesFailure(kind: FailureKind, behavior: Behavior, chuteId: string): ErrorResponse {
  switch (kind) {
    case "forbidden":
      return { status: 403, body: { detail: "Token does not have permission for this resource" } };
    case "rateLimit":
      return { status: 429, body: { detail: "Rate limit exceeded. Try again later." }, headers: retryAfter(behavior) };
    case "credits":
      return {
        status: 402,
        body: { detail: { message: CHUTES_QUOTA_MESSAGE, quota_reset_timestamp: nextMidnightIso() } },
      };
    case "unavailable":
      return { status: 503, body: { detail: `No instances available (yet) for chute_id='${chuteId}'` } };
    case "serverError":
      return { status: 500, body: { detail: "Internal server error: upstream inference failed" } };
  }
}

function nextMidnightIso(): string {
  const midnight = new Date();
  midnight.setUTCHours(24, 0, 0, 0);
  return midnight.toISOString().replace(/\.\d{3}Z$/, "+00:00");
}

export function openrouterError(status: number, message: string, metadata?: Record<string, unknown>): ErrorResponse {
  return { status, body: { error: metadata === undefined ? { code: status, message } : { code: status, message, metadata } } };
}

/** The 402 body, whose wording keeps "credit" in it as the real ones do (PROTOCOLS §2.7). */
export function openrouterCreditsError(behavior: Behavior): { code: number; message: string; metadata: Record<string, unknown> } {
  const keyLimit = behavior.openrouterLimitSource === "openrouter_key_limit";
  return {
    code: 402,
    message: keyLimit
      ? "Insufficient credits: this key's credit limit has been reached. Raise it at https://openrouter.ai/settings/keys"
      : "Insufficient credits. Add more using https://openrouter.ai/settings/credits",
    metadata: {
      limit_source: keyLimit ? "openrouter_key_limit" : "openrouter_credits",
      remedy_hint: keyLimit ? "Raise the key's credit limit." : "Add credits to your account.",
    },
  };
}

/** `{"error":{"code","message","metadata"?}}` bodies (PROTOCOLS §2.7). */
export function openrouterFailure(kind: FailureKind, behavior: Behavior, model: string): ErrorResponse {
  switch (kind) {
    case "forbidden":
      return openrouterError(403, `${model} requires moderation on DeepInfra. Your input was flagged for "harassment".`, {
        reasons: ["harassment"],
        flagged_input: "…",
        provider_name: "DeepInfra",
        model_slug: model,
      });
    case "rateLimit":
      return {
        ...openrouterError(429, `Rate limit exceeded: ${model} is temporarily rate-limited upstream. Please retry shortly.`),
        headers: {
          ...retryAfter(behavior),
          "x-ratelimit-limit": "20",
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": String(Date.now() + 1000 * (behavior.rateLimit?.retryAfterSeconds ?? 1)),
        },
      };
    case "credits":
      return { status: 402, body: { error: openrouterCreditsError(behavior) } };
    case "unavailable":
      return openrouterError(503, `No allowed providers are available for the selected model (${model}).`);
    case "serverError":
      return openrouterError(502, "Provider returned error", { provider_name: "DeepInfra", raw: "upstream connect error" });
  }
}
