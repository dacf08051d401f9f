import "server-only";
import { AppError } from "@/src/server/errors";
import type { ClientIdentity } from "@/src/server/security/client-ip";
import { sharedRateLimitStore } from "@/src/server/security/rate-limit-backend";
import { rulesFor, type RateLimitAction, type RateLimitRule, type RateLimitScope } from "@/src/server/security/rate-limit-rules";
import type { RateLimitStore } from "@/src/server/security/rate-limit-store";

export type { RateLimitAction, RateLimitRule, RateLimitScope } from "@/src/server/security/rate-limit-rules";

export type RateLimitDecision =
  | { allowed: true }
  | {
      allowed: false;
      /** Whole seconds until every exceeded rule has a new window (at least 1). */
      retryAfterSeconds: number;
      /** The exceeded rule that lasts longest: the one the message talks about. */
      rule: RateLimitRule;
    };

export interface CheckOptions {
  /** Defaults to the process's store (memory, or PostgreSQL when DATABASE_URL is set). */
  store?: RateLimitStore;
  /** Epoch ms; injectable so tests need no sleeps. */
  now?: number;
}

/** The counter subject of a rule for this client, or null when the rule does not apply (no credential). */
function subject(scope: RateLimitScope, identity: ClientIdentity): string | null {
  if (scope === "ip") return identity.ipKey;
  if (scope === "credential") return identity.credentialKey;
  return "all";
}

/**
 * The store key of a rule's counter. Only rule names, an address and a SHA-256 go in:
 * never a key or a token. The window length is part of it so that instances
 * configured with different windows (a rolling config change) do not share a counter.
 */
export function counterKey(rule: RateLimitRule, subjectKey: string): string {
  return `${rule.action}:${rule.scope}:${rule.windowMs}:${subjectKey}`;
}

/**
 * Counts one request against every applicable rule, all at once (one round trip),
 * and says whether it may proceed. Refused requests count too, so hammering
 * through a 429 does not reset anything; it just keeps hitting the same window.
 */
export async function checkRateLimit(
  rules: readonly RateLimitRule[],
  identity: ClientIdentity,
  options: CheckOptions = {},
): Promise<RateLimitDecision> {
  const store = options.store ?? sharedRateLimitStore();
  const now = options.now ?? Date.now();
  const applicable = rules.flatMap((rule) => {
    const key = subject(rule.scope, identity);
    return key === null ? [] : [{ rule, key: counterKey(rule, key) }];
  });
  const hits = await Promise.all(applicable.map(({ rule, key }) => store.hit(key, rule.windowMs, now)));
  let denied: { rule: RateLimitRule; resetAt: number } | undefined;
  hits.forEach((hit, index) => {
    const { rule } = applicable[index]!;
    if (hit.count > rule.limit && (denied === undefined || hit.resetAt > denied.resetAt)) {
      denied = { rule, resetAt: hit.resetAt };
    }
  });
  if (denied === undefined) return { allowed: true };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((denied.resetAt - now) / 1000)), rule: denied.rule };
}

const ACTION_TEXT: Record<RateLimitAction, string> = {
  chat: "chat requests",
  follow_ups: "follow-up suggestions",
  key_check: "key checks",
  login: "sign-in attempts",
};

function whose(rule: Pick<RateLimitRule, "action" | "scope">): string {
  if (rule.scope === "ip") return "from your address";
  if (rule.scope === "global") return "on this server right now";
  return rule.action === "key_check" ? "of this key" : "with this key or session";
}

/** "42 s" below two minutes, then whole minutes rounded up ("7 min"). */
export function formatWait(seconds: number): string {
  return seconds < 120 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`;
}

/**
 * The 429 for a refused request: says what was limited, for whom, and when to come
 * back, e.g. "Too many key checks from your address. Try again in 42 s." It names
 * no key: the credential scope says "this key", never which one.
 */
export function rateLimitedError(rule: Pick<RateLimitRule, "action" | "scope">, retryAfterSeconds: number): AppError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new AppError("rate_limited", `Too many ${ACTION_TEXT[rule.action]} ${whose(rule)}. Try again in ${formatWait(seconds)}.`, {
    status: 429,
    retryAfter: seconds,
  });
}

/**
 * The route-facing check: counts the request against the action's rules from the
 * environment and throws the 429 AppError when a limit is exceeded
 * (withErrorResponse turns it into the response, with Retry-After).
 */
export async function enforceRateLimit(action: RateLimitAction, identity: ClientIdentity, options: CheckOptions = {}): Promise<void> {
  const decision = await checkRateLimit(rulesFor(action), identity, options);
  if (!decision.allowed) throw rateLimitedError(decision.rule, decision.retryAfterSeconds);
}
