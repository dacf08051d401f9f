import "server-only";
import { env, type Env } from "@/src/server/env";
import type { RateSpec } from "@/src/server/security/rate-limit-spec";

/** What a limit protects. */
export type RateLimitAction = "chat" | "follow_ups" | "key_check" | "login";

/**
 * Whose hits a rule counts: one client address (IPv6: its /64), one credential
 * (by SHA-256), or everyone together on this server (or cluster, with PostgreSQL).
 */
export type RateLimitScope = "ip" | "credential" | "global";

export interface RateLimitRule {
  readonly action: RateLimitAction;
  readonly scope: RateLimitScope;
  readonly limit: number;
  readonly windowMs: number;
}

export type RateLimitSettings = Pick<
  Env,
  | "QUIRE_RATE_LIMIT_CHAT"
  | "QUIRE_RATE_LIMIT_KEY_CHECKS"
  | "QUIRE_RATE_LIMIT_KEY_CHECKS_GLOBAL"
  | "QUIRE_RATE_LIMIT_LOGIN"
>;

function rules(action: RateLimitAction, spec: RateSpec, scopes: readonly RateLimitScope[]): RateLimitRule[] {
  return spec === null ? [] : scopes.map((scope) => ({ action, scope, limit: spec.limit, windowMs: spec.windowMs }));
}

/**
 * The rules of an action, from the environment (docs/configuration.md, "Rate limits"):
 * - chat: per address and per credential (a stolen key is throttled from every address);
 * - follow_ups: the chat's limits, on counters of their own, so that the suggestions after
 *   an answer do not halve the questions a user may ask;
 * - key_check: per address, per submitted key, and globally. The global rule is the one
 *   that still holds when a client forges its address (see client-ip.ts), so that
 *   Quire cannot be used as a fast oracle for guessed or stolen keys;
 * - login (OAuth login and callback together): per address; there is no credential yet.
 * A rule whose subject the request lacks (no credential) is skipped by checkRateLimit.
 */
export function rulesFor(action: RateLimitAction, settings: RateLimitSettings = env()): RateLimitRule[] {
  switch (action) {
    case "chat":
      return rules("chat", settings.QUIRE_RATE_LIMIT_CHAT, ["ip", "credential"]);
    case "follow_ups":
      return rules("follow_ups", settings.QUIRE_RATE_LIMIT_CHAT, ["ip", "credential"]);
    case "key_check":
      return [
        ...rules("key_check", settings.QUIRE_RATE_LIMIT_KEY_CHECKS, ["ip", "credential"]),
        ...rules("key_check", settings.QUIRE_RATE_LIMIT_KEY_CHECKS_GLOBAL, ["global"]),
      ];
    case "login":
      return rules("login", settings.QUIRE_RATE_LIMIT_LOGIN, ["ip"]);
  }
}
