import { z } from "zod";
import { credentialKindSchema } from "@/src/shared/credentials";
import { providerIdSchema } from "@/src/shared/providers";

/**
 * Stable error codes of Quire's HTTP API. The client maps each code to a message
 * and an action (top up, re-enter the key, retry); scripts may switch on them.
 */
export const errorCodes = [
  "bad_request",
  "invalid_format",
  "invalid_credential",
  "credits_exhausted",
  "forbidden",
  "model_not_found",
  "rate_limited",
  "provider_unavailable",
  "timeout",
  "upstream_error",
  "not_found",
  "cross_origin",
  "internal_error",
] as const;

export const errorCodeSchema = z.enum(errorCodes);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

const retryableCodes: ReadonlySet<ErrorCode> = new Set(["rate_limited", "provider_unavailable", "timeout"]);

/** The one retryability rule: rate limits, missing capacity and timeouts may pass when tried again. */
export function isRetryable(code: ErrorCode): boolean {
  return retryableCodes.has(code);
}

/** Which limit a 402 hit (OpenRouter's `metadata.limit_source`, or the Chutes balance). */
export const limitSourceSchema = z.enum(["account_credits", "key_limit", "in_flight_budget", "balance"]);
export type LimitSource = z.infer<typeof limitSourceSchema>;

export const errorPayloadSchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
  provider: providerIdSchema.optional(),
  retryAfter: z.number().nonnegative().optional(),
  topUpUrl: z.string().optional(),
  limitSource: limitSourceSchema.optional(),
  credential: credentialKindSchema.optional(),
});
export type ErrorPayload = z.infer<typeof errorPayloadSchema>;

/** The body of every non-2xx JSON response: `{ error: { code, message, … } }`. */
export const errorResponseSchema = z.object({ error: errorPayloadSchema });
export type ErrorResponse = z.infer<typeof errorResponseSchema>;

/**
 * Mid-stream errors travel as the UI message stream's `error` part, whose
 * `errorText` is this payload as JSON. Plain text from elsewhere is tolerated.
 */
export function parseStreamErrorText(errorText: string): ErrorPayload {
  try {
    const parsed = errorPayloadSchema.safeParse(JSON.parse(errorText));
    if (parsed.success) return parsed.data;
  } catch {
    // not JSON: fall through
  }
  return { code: "upstream_error", message: "The answer stopped because of an unexpected error." };
}
