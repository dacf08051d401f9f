import { describe, expect, it } from "vitest";
import { accountCheckFailure, classifyStreamError, classifyUpstreamFailure, timeoutFailure } from "@/src/server/providers/classify-error";

const chutes = { provider: "chutes" as const, source: "apiKey" as const, model: "deepseek-ai/DeepSeek-V3.2-TEE" };
const openrouter = { provider: "openrouter" as const, source: "apiKey" as const, model: "deepseek/deepseek-chat-v3.1" };

/** Every error body of PROTOCOLS.md §1.8 (Chutes) and §2.7 (OpenRouter), with the code it must become. */
const table = [
  [chutes, 400, { detail: "Invalid request JSON: ..." }, "bad_request"],
  [chutes, 400, { detail: "File content not currently supported" }, "bad_request"],
  [chutes, 401, { detail: "Authentication required." }, "invalid_credential"],
  [chutes, 401, { detail: "Can't find a user with that api key in our db :(" }, "invalid_credential"],
  [chutes, 401, { detail: "Invalid token." }, "invalid_credential"],
  [chutes, 401, { detail: "Missing or invalid authorization header(s)" }, "invalid_credential"],
  [chutes, 401, { detail: "Invalid token or user not found" }, "invalid_credential"],
  [chutes, 402, { detail: { message: "Quota exceeded and account balance is $0.0, please pay with fiat or send tao to 5H...", quota_reset_timestamp: "2026-05-28T00:00:00+00:00" } }, "credits_exhausted"],
  [chutes, 402, { detail: "Subscription usage cap exceeded. Please add balance to continue." }, "credits_exhausted"],
  [chutes, 402, { detail: "TEE models require an active subscription or positive balance." }, "credits_exhausted"],
  [chutes, 403, { detail: "Token does not have permission for this resource" }, "forbidden"],
  [chutes, 404, { detail: "model not found: X" }, "model_not_found"],
  [chutes, 404, { detail: "No matching chute found!" }, "model_not_found"],
  [chutes, 429, { detail: "Infrastructure is at maximum capacity, try again later" }, "rate_limited"],
  [chutes, 429, { detail: "Rate limit exceeded. Try again later." }, "rate_limited"],
  [chutes, 503, { detail: "No instances available (yet) for chute_id='abc'" }, "provider_unavailable"],
  [chutes, 503, { detail: "This chute is currently disabled." }, "provider_unavailable"],
  [chutes, 500, { detail: "boom" }, "upstream_error"],
  [openrouter, 400, { error: { code: 400, message: "Bad params" } }, "bad_request"],
  [openrouter, 401, { error: { code: 401, message: "User not found." } }, "invalid_credential"],
  [openrouter, 401, { error: { code: 401, message: "No auth credentials found" } }, "invalid_credential"],
  [openrouter, 402, { error: { code: 402, message: "Insufficient credits. Add more using https://openrouter.ai/settings/credits", metadata: { limit_source: "openrouter_credits", remedy_hint: "x" } } }, "credits_exhausted"],
  [openrouter, 402, { error: { code: 402, message: "This request requires more credits, or fewer max_tokens. You requested up to 100 tokens, but can only afford 5." } }, "credits_exhausted"],
  [openrouter, 402, { error: { code: 402, message: "Insufficient credits. This account never purchased credits." } }, "credits_exhausted"],
  [openrouter, 403, { error: { code: 403, message: "Flagged", metadata: { reasons: ["x"], flagged_input: "y", provider_name: "p", model_slug: "m" } } }, "forbidden"],
  [openrouter, 404, { error: { code: 404, message: "No endpoints found" } }, "model_not_found"],
  [openrouter, 408, { error: { code: 408, message: "Timeout" } }, "timeout"],
  [openrouter, 429, { error: { code: 429, message: "Rate limited" } }, "rate_limited"],
  [openrouter, 502, { error: { code: 502, message: "Model down", metadata: { provider_name: "DeepInfra", raw: "x" } } }, "provider_unavailable"],
  [openrouter, 503, { error: { code: 503, message: "No provider matches" } }, "provider_unavailable"],
] as const;

describe("classifyUpstreamFailure", () => {
  it.each(table)("%o %i %j → %s", (context, status, body, code) => {
    const error = classifyUpstreamFailure({ status, body: JSON.stringify(body) }, context);
    expect(error.code).toBe(code);
    expect(error.provider).toBe(context.provider);
    // The user-facing message never echoes the raw upstream body.
    expect(error.message).not.toContain("{");
    expect(error.message).not.toMatch(/\b\d{3}\b/);
  });

  it("names which OpenRouter limit a 402 hit", () => {
    const body = (source: string) => JSON.stringify({ error: { code: 402, message: "Insufficient credits", metadata: { limit_source: source } } });
    const account = classifyUpstreamFailure({ status: 402, body: body("openrouter_credits") }, openrouter);
    const key = classifyUpstreamFailure({ status: 402, body: body("openrouter_key_limit") }, openrouter);
    expect(account.limitSource).toBe("account_credits");
    expect(account.topUpUrl).toBe("https://openrouter.ai/settings/credits");
    expect(key.limitSource).toBe("key_limit");
    expect(key.message).toMatch(/key has reached its spending limit/);
  });

  it("carries Retry-After on 429, in seconds or as an HTTP date", () => {
    const seconds = classifyUpstreamFailure({ status: 429, body: "{}", retryAfterHeader: "7" }, chutes);
    expect(seconds.retryAfter).toBe(7);
    expect(seconds.message).toContain("7 s");
    const date = classifyUpstreamFailure(
      { status: 429, body: "{}", retryAfterHeader: new Date(Date.now() + 10_000).toUTCString() },
      chutes,
    );
    expect(date.retryAfter).toBeGreaterThanOrEqual(8);
  });

  it("asks an OAuth user to sign in again rather than to re-enter a key", () => {
    const error = classifyUpstreamFailure({ status: 401, body: "{}" }, { ...chutes, source: "oauth" });
    expect(error.message).toMatch(/Sign in with Chutes again/);
  });

  it("tolerates bodies that are not JSON", () => {
    expect(classifyUpstreamFailure({ status: 502, body: "<html>Bad gateway</html>" }, chutes).code).toBe("provider_unavailable");
    expect(classifyUpstreamFailure({ status: 418, body: "" }, chutes).code).toBe("upstream_error");
  });
});

describe("classifyStreamError", () => {
  it("uses OpenRouter's in-stream error code", () => {
    const chunk = { id: "gen-1", error: { code: 402, message: "Insufficient credits", metadata: { limit_source: "openrouter_key_limit" } }, choices: [] };
    const error = classifyStreamError(chunk, openrouter);
    expect(error.code).toBe("credits_exhausted");
    expect(error.limitSource).toBe("key_limit");
  });

  it("treats OpenRouter's server_error chunk as an upstream error", () => {
    const chunk = { error: { code: "server_error", message: "Provider disconnected unexpectedly" } };
    expect(classifyStreamError(chunk, openrouter).code).toBe("upstream_error");
  });

  it("reads Chutes' bare error line", () => {
    expect(classifyStreamError({ error: "Unhandled exception during response stream: boom" }, chutes).code).toBe("upstream_error");
    expect(
      classifyStreamError({ error: "Unhandled exception during response stream: HTTP 402: quota exceeded" }, chutes).code,
    ).toBe("credits_exhausted");
    expect(classifyStreamError({ error: "Quota exceeded and account balance is $0.0" }, chutes).code).toBe("credits_exhausted");
    expect(classifyStreamError({ error: "x", status_code: 429 }, chutes).code).toBe("rate_limited");
  });
});

describe("timeoutFailure", () => {
  it("says which wait ran out, in seconds", () => {
    const first = timeoutFailure(chutes, "first-token", 60_000);
    expect(first).toMatchObject({ code: "timeout", status: 504, provider: "chutes" });
    expect(first.message).toBe("Chutes did not start answering within 60 s. Try again, or switch model.");
    expect(timeoutFailure(openrouter, "idle", 30_000).message).toBe("OpenRouter stopped sending the answer for 30 s. Try again.");
  });
});

describe("accountCheckFailure", () => {
  it("a refused or forbidden key is 'rejected', never 'sign in again'", () => {
    for (const status of [401, 403]) {
      const error = accountCheckFailure("chutes", { kind: "http", failure: { status, body: "" } });
      expect(error).toMatchObject({ code: "invalid_credential", status: 401 });
      expect(error.message).toContain("rejected this key");
    }
  });

  it("an empty balance passes through with its top-up link", () => {
    const error = accountCheckFailure("openrouter", {
      kind: "http",
      failure: { status: 402, body: JSON.stringify({ error: { code: 402, message: "x", metadata: { limit_source: "openrouter_key_limit" } } }) },
    });
    expect(error).toMatchObject({ code: "credits_exhausted", limitSource: "key_limit" });
  });

  it("everything else asks to try again, with a gateway status", () => {
    expect(accountCheckFailure("chutes", { kind: "timeout", afterMs: 8000 })).toMatchObject({ code: "provider_unavailable", status: 504 });
    expect(accountCheckFailure("chutes", { kind: "unreachable" })).toMatchObject({ code: "provider_unavailable", status: 502 });
    expect(accountCheckFailure("chutes", { kind: "unreadable" })).toMatchObject({ code: "provider_unavailable", status: 502 });
    expect(accountCheckFailure("chutes", { kind: "http", failure: { status: 500, body: "" } })).toMatchObject({ code: "provider_unavailable", status: 502 });
  });
});
