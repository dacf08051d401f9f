import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/src/server/env";
import { AppError } from "@/src/server/errors";
import type { ClientIdentity } from "@/src/server/security/client-ip";
import { checkRateLimit, counterKey, enforceRateLimit, formatWait, rateLimitedError, type RateLimitRule } from "@/src/server/security/rate-limit";
import { rulesFor, type RateLimitSettings } from "@/src/server/security/rate-limit-rules";
import { rateSpec } from "@/src/server/security/rate-limit-spec";
import { createMemoryRateLimitStore } from "@/src/server/security/rate-limit-store";

const MINUTE = 60_000;
/** A window-aligned start, so that "the window ends in 60 s" holds exactly. */
const T0 = 1_800_000_000_000 - (1_800_000_000_000 % (10 * MINUTE));
const client = (ipKey: string, credentialKey: string | null = null): ClientIdentity => ({ ip: ipKey, ipKey, credentialKey });
const rule = (overrides: Partial<RateLimitRule> = {}): RateLimitRule => ({ action: "key_check", scope: "ip", limit: 3, windowMs: MINUTE, ...overrides });

async function hitTimes(rules: RateLimitRule[], identity: ClientIdentity, times: number, now: number, store = createMemoryRateLimitStore()) {
  const decisions = [];
  for (let index = 0; index < times; index += 1) decisions.push(await checkRateLimit(rules, identity, { store, now }));
  return decisions;
}

describe("checkRateLimit", () => {
  it("allows up to the limit, then refuses with the time left in the window", async () => {
    const store = createMemoryRateLimitStore();
    const decisions = await hitTimes([rule()], client("203.0.113.9"), 3, T0, store);
    expect(decisions.every((decision) => decision.allowed)).toBe(true);
    const refused = await checkRateLimit([rule()], client("203.0.113.9"), { store, now: T0 + 18_000 });
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 42, rule: rule() });
  });

  it("allows again once the window is over (injected clock, no sleeping)", async () => {
    const store = createMemoryRateLimitStore();
    const identity = client("203.0.113.9");
    await hitTimes([rule()], identity, 5, T0, store);
    expect((await checkRateLimit([rule()], identity, { store, now: T0 + MINUTE - 1 })).allowed).toBe(false);
    expect((await checkRateLimit([rule()], identity, { store, now: T0 + MINUTE })).allowed).toBe(true);
    // Refused hits counted in the old window only: the new one starts from scratch.
    const next = await hitTimes([rule()], identity, 2, T0 + MINUTE + 1, store);
    expect(next.every((decision) => decision.allowed)).toBe(true);
  });

  it("keeps separate counters per address, per credential, per action and per window length", async () => {
    const store = createMemoryRateLimitStore();
    await hitTimes([rule()], client("203.0.113.9"), 4, T0, store);
    expect((await checkRateLimit([rule()], client("203.0.113.10"), { store, now: T0 })).allowed).toBe(true);
    expect((await checkRateLimit([rule({ action: "chat" })], client("203.0.113.9"), { store, now: T0 })).allowed).toBe(true);
    expect((await checkRateLimit([rule({ windowMs: 2 * MINUTE })], client("203.0.113.9"), { store, now: T0 })).allowed).toBe(true);
    const byKey = [rule({ scope: "credential", limit: 1 })];
    expect((await checkRateLimit(byKey, client("a", "hash-one"), { store, now: T0 })).allowed).toBe(true);
    expect((await checkRateLimit(byKey, client("b", "hash-two"), { store, now: T0 })).allowed).toBe(true);
    // The same credential from another address shares its counter.
    expect((await checkRateLimit(byKey, client("c", "hash-one"), { store, now: T0 })).allowed).toBe(false);
  });

  it("skips credential rules when there is no credential, and counts global rules for everyone together", async () => {
    const store = createMemoryRateLimitStore();
    const rules = [rule({ scope: "credential", limit: 1 }), rule({ scope: "global", limit: 3, windowMs: 10 * MINUTE })];
    const anonymous = await hitTimes(rules, client("203.0.113.9"), 2, T0, store);
    expect(anonymous.every((decision) => decision.allowed)).toBe(true);
    expect((await checkRateLimit(rules, client("198.51.100.1"), { store, now: T0 })).allowed).toBe(true);
    // Fourth hit overall, from a fresh address: the global rule refuses, until the end of its 10 minutes.
    expect(await checkRateLimit(rules, client("192.0.2.44"), { store, now: T0 + MINUTE })).toMatchObject({
      allowed: false,
      retryAfterSeconds: 540,
      rule: { scope: "global" },
    });
  });

  it("reports the exceeded rule that lasts longest", async () => {
    const rules = [rule({ limit: 1 }), rule({ scope: "credential", limit: 1, windowMs: 10 * MINUTE })];
    const [, second] = await hitTimes(rules, client("203.0.113.9", "hash"), 2, T0);
    expect(second).toMatchObject({ allowed: false, retryAfterSeconds: 600, rule: { scope: "credential" } });
  });
});

describe("rateLimitedError", () => {
  it("is a 429 with Retry-After and a specific message that names no key", async () => {
    const error = rateLimitedError({ action: "key_check", scope: "ip" }, 42);
    expect(error).toBeInstanceOf(AppError);
    expect(error.message).toBe("Too many key checks from your address. Try again in 42 s.");
    const response = error.toResponse();
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("42");
    expect(await response.json()).toEqual({ error: { code: "rate_limited", message: error.message, retryAfter: 42 } });
  });

  it.each([
    [{ action: "key_check", scope: "credential" }, 5, "Too many key checks of this key. Try again in 5 s."],
    [{ action: "key_check", scope: "global" }, 420, "Too many key checks on this server right now. Try again in 7 min."],
    [{ action: "chat", scope: "credential" }, 0.2, "Too many chat requests with this key or session. Try again in 1 s."],
    [{ action: "login", scope: "ip" }, 61, "Too many sign-in attempts from your address. Try again in 61 s."],
  ] as const)("words %j as expected", (which, seconds, message) => {
    expect(rateLimitedError(which, seconds).message).toBe(message);
  });

  it("rounds long waits up to whole minutes", () => {
    expect([formatWait(119), formatWait(120), formatWait(121)]).toEqual(["119 s", "2 min", "3 min"]);
  });
});

describe("rulesFor", () => {
  const settings = (overrides: Partial<Record<keyof RateLimitSettings, string>> = {}): RateLimitSettings => ({
    QUIRE_RATE_LIMIT_CHAT: rateSpec("30/1m").parse(overrides.QUIRE_RATE_LIMIT_CHAT),
    QUIRE_RATE_LIMIT_KEY_CHECKS: rateSpec("10/10m").parse(overrides.QUIRE_RATE_LIMIT_KEY_CHECKS),
    QUIRE_RATE_LIMIT_KEY_CHECKS_GLOBAL: rateSpec("100/10m").parse(overrides.QUIRE_RATE_LIMIT_KEY_CHECKS_GLOBAL),
    QUIRE_RATE_LIMIT_LOGIN: rateSpec("20/1m").parse(overrides.QUIRE_RATE_LIMIT_LOGIN),
  });

  it("builds per-address, per-credential and global rules from the defaults", () => {
    expect(rulesFor("key_check", settings())).toEqual([
      { action: "key_check", scope: "ip", limit: 10, windowMs: 10 * MINUTE },
      { action: "key_check", scope: "credential", limit: 10, windowMs: 10 * MINUTE },
      { action: "key_check", scope: "global", limit: 100, windowMs: 10 * MINUTE },
    ]);
    expect(rulesFor("chat", settings()).map((each) => [each.scope, each.limit, each.windowMs])).toEqual([
      ["ip", 30, MINUTE],
      ["credential", 30, MINUTE],
    ]);
    expect(rulesFor("login", settings())).toEqual([{ action: "login", scope: "ip", limit: 20, windowMs: MINUTE }]);
  });

  it("gives follow-up suggestions the chat's limits on counters of their own", () => {
    const followUps = rulesFor("follow_ups", settings({ QUIRE_RATE_LIMIT_CHAT: "5/30s" }));
    expect(followUps).toEqual([
      { action: "follow_ups", scope: "ip", limit: 5, windowMs: 30_000 },
      { action: "follow_ups", scope: "credential", limit: 5, windowMs: 30_000 },
    ]);
    expect(counterKey(followUps[0]!, "a")).not.toBe(counterKey(rulesFor("chat", settings({ QUIRE_RATE_LIMIT_CHAT: "5/30s" }))[0]!, "a"));
    expect(rateLimitedError(followUps[1]!, 3).message).toBe("Too many follow-up suggestions with this key or session. Try again in 3 s.");
  });

  it("has no rules for an action switched off, so every request is allowed", async () => {
    const rules = rulesFor("chat", settings({ QUIRE_RATE_LIMIT_CHAT: "off" }));
    expect(rules).toEqual([]);
    const decisions = await hitTimes(rules, client("203.0.113.9", "hash"), 1000, T0);
    expect(decisions.every((decision) => decision.allowed)).toBe(true);
    expect(rulesFor("key_check", settings({ QUIRE_RATE_LIMIT_KEY_CHECKS_GLOBAL: "off" })).map((each) => each.scope)).toEqual(["ip", "credential"]);
  });
});

describe("enforceRateLimit", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    resetEnvForTests();
  });

  it("applies the limits from the environment and throws the 429 AppError", async () => {
    process.env = {
      ...saved,
      QUIRE_DATA_DIR: mkdtempSync(path.join(tmpdir(), "quire-rate-")),
      SESSION_SECRET: "unit-test-secret-that-is-long-enough-for-quire",
      QUIRE_RATE_LIMIT_KEY_CHECKS: "2/1m",
    };
    resetEnvForTests();
    const store = createMemoryRateLimitStore();
    const identity = client("203.0.113.9", "hash");
    await enforceRateLimit("key_check", identity, { store, now: T0 });
    await enforceRateLimit("key_check", identity, { store, now: T0 + 1000 });
    const third = enforceRateLimit("key_check", identity, { store, now: T0 + 2000 });
    await expect(third).rejects.toBeInstanceOf(AppError);
    await expect(enforceRateLimit("key_check", identity, { store, now: T0 + 3000 })).rejects.toMatchObject({
      code: "rate_limited",
      status: 429,
      retryAfter: 57,
      message: "Too many key checks from your address. Try again in 57 s.",
    });
  });
});
