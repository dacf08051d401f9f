import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "@/src/server/env";

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), "quire-env-"));
}

describe("parseEnv", () => {
  it("has defaults that work on an empty machine, pointing at the real hosts", () => {
    const dataDir = tempDir();
    const parsed = parseEnv({ QUIRE_DATA_DIR: dataDir });
    expect(parsed.PORT).toBe(3000);
    expect(parsed.APP_URL).toBe("http://localhost:3000");
    expect(parsed.CHUTES_API_URL).toBe("https://api.chutes.ai");
    expect(parsed.CHUTES_IDP_URL).toBe("https://api.chutes.ai");
    expect(parsed.CHUTES_LLM_URL).toBe("https://llm.chutes.ai/v1");
    expect(parsed.CHUTES_EMBED_URL).toBe("https://chutes-baai-bge-m3.chutes.ai/v1");
    expect(parsed.OPENROUTER_API_URL).toBe("https://openrouter.ai/api/v1");
    expect(parsed.CHUTES_DEFAULT_MODEL).toBe("deepseek-ai/DeepSeek-V3.2-TEE");
    expect(parsed.OPENROUTER_DEFAULT_MODEL).toBe("deepseek/deepseek-chat-v3.1");
    expect(parsed.oauthEnabled).toBe(false);
    expect(parsed.CHUTES_OAUTH_SCOPES).toBe("openid profile chutes:invoke");
  });

  it("generates a session secret once, stored with mode 0600", () => {
    const dataDir = tempDir();
    const first = parseEnv({ QUIRE_DATA_DIR: dataDir });
    const second = parseEnv({ QUIRE_DATA_DIR: dataDir });
    expect(first.SESSION_SECRET.length).toBeGreaterThanOrEqual(32);
    expect(second.SESSION_SECRET).toBe(first.SESSION_SECRET);
    const file = path.join(dataDir, "session-secret");
    expect(readFileSync(file, "utf8").trim()).toBe(first.SESSION_SECRET);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("prefers SESSION_SECRET and derives IDP and APP URLs", () => {
    const parsed = parseEnv({
      QUIRE_DATA_DIR: tempDir(),
      SESSION_SECRET: "x".repeat(40),
      PORT: "4321",
      CHUTES_API_URL: "http://127.0.0.1:9/chutes/api/",
      CHUTES_OAUTH_CLIENT_ID: "cid_abc",
    });
    expect(parsed.SESSION_SECRET).toBe("x".repeat(40));
    expect(parsed.APP_URL).toBe("http://localhost:4321");
    expect(parsed.CHUTES_IDP_URL).toBe("http://127.0.0.1:9/chutes/api");
    expect(parsed.oauthEnabled).toBe(true);
  });

  it.each([
    ["PORT", "not-a-port"],
    ["CHUTES_API_URL", "ftp://example.com"],
    ["OPENROUTER_API_URL", "nope"],
    ["SESSION_SECRET", "short"],
    ["LOG_LEVEL", "loud"],
    ["DATABASE_URL", "mysql://x"],
    ["QUIRE_FIRST_TOKEN_TIMEOUT_MS", "-5"],
  ])("rejects a bad %s with a message that names it", (name, value) => {
    expect(() => parseEnv({ QUIRE_DATA_DIR: tempDir(), [name]: value })).toThrow(EnvError);
    expect(() => parseEnv({ QUIRE_DATA_DIR: tempDir(), [name]: value })).toThrow(name);
  });
});

describe("rate-limit variables", () => {
  const parse = (extra: Record<string, string>) => parseEnv({ QUIRE_DATA_DIR: tempDir(), ...extra });

  it("default to limits that are on, and to trusting no proxy", () => {
    const parsed = parse({});
    expect(parsed.QUIRE_TRUST_PROXY).toEqual({ kind: "none" });
    expect(parsed.QUIRE_RATE_LIMIT_CHAT).toEqual({ limit: 30, windowMs: 60_000 });
    expect(parsed.QUIRE_RATE_LIMIT_KEY_CHECKS).toEqual({ limit: 10, windowMs: 600_000 });
    expect(parsed.QUIRE_RATE_LIMIT_KEY_CHECKS_GLOBAL).toEqual({ limit: 100, windowMs: 600_000 });
    expect(parsed.QUIRE_RATE_LIMIT_LOGIN).toEqual({ limit: 20, windowMs: 60_000 });
    expect(parsed.QUIRE_MAX_CONCURRENT_STREAMS).toBe(6);
  });

  it("read `<count>/<window>`, `off` and stream caps", () => {
    const parsed = parse({
      QUIRE_RATE_LIMIT_CHAT: "5/30s",
      QUIRE_RATE_LIMIT_KEY_CHECKS: "1000/h",
      QUIRE_RATE_LIMIT_LOGIN: "off",
      QUIRE_MAX_CONCURRENT_STREAMS: "off",
    });
    expect(parsed.QUIRE_RATE_LIMIT_CHAT).toEqual({ limit: 5, windowMs: 30_000 });
    expect(parsed.QUIRE_RATE_LIMIT_KEY_CHECKS).toEqual({ limit: 1000, windowMs: 3_600_000 });
    expect(parsed.QUIRE_RATE_LIMIT_LOGIN).toBeNull();
    expect(parsed.QUIRE_MAX_CONCURRENT_STREAMS).toBeNull();
  });

  it("read the embedded database's buffer pool: auto by default, a size, nothing else", () => {
    expect(parse({}).QUIRE_PGLITE_SHARED_BUFFERS).toBe("auto");
    expect(parse({ QUIRE_PGLITE_SHARED_BUFFERS: "512MB" }).QUIRE_PGLITE_SHARED_BUFFERS).toBe("512MB");
    expect(parse({ QUIRE_PGLITE_SHARED_BUFFERS: "1GB" }).QUIRE_PGLITE_SHARED_BUFFERS).toBe("1GB");
    for (const bad of ["512", "0MB", "lots", "512MB; DROP", "2GB", "1500MB"]) expect(() => parse({ QUIRE_PGLITE_SHARED_BUFFERS: bad })).toThrow(EnvError);
  });

  it.each([
    ["false", { kind: "none" }],
    ["0", { kind: "none" }],
    ["true", { kind: "hops", hops: 1 }],
    ["2", { kind: "hops", hops: 2 }],
    ["10.0.0.0/8, ::1", { kind: "ranges", ranges: [{ address: "10.0.0.0", prefix: 8, family: "ipv4" }, { address: "::1", prefix: 128, family: "ipv6" }] }],
  ])("read QUIRE_TRUST_PROXY=%j", (value, expected) => {
    expect(parse({ QUIRE_TRUST_PROXY: value }).QUIRE_TRUST_PROXY).toEqual(expected);
  });

  it.each([
    ["QUIRE_RATE_LIMIT_CHAT", "30 per minute"],
    ["QUIRE_RATE_LIMIT_CHAT", "0/1m"],
    ["QUIRE_RATE_LIMIT_KEY_CHECKS", "10/500ms"],
    ["QUIRE_RATE_LIMIT_LOGIN", "10/48h"],
    ["QUIRE_MAX_CONCURRENT_STREAMS", "0"],
    ["QUIRE_TRUST_PROXY", "11"],
    ["QUIRE_TRUST_PROXY", "10.0.0.0/8, proxy.internal"],
    ["QUIRE_TRUST_PROXY", "0.0.0.0/0"],
  ])("reject %s=%j with a message that names it", (name, value) => {
    expect(() => parse({ [name]: value })).toThrow(EnvError);
    expect(() => parse({ [name]: value })).toThrow(name);
  });
});

describe("branding variables", () => {
  const parse = (extra: Record<string, string>) => parseEnv({ QUIRE_DATA_DIR: tempDir(), ...extra });

  it("default to Quire's own, an empty value included", () => {
    const parsed = parse({ QUIRE_TITLE: "  ", QUIRE_ACCENT_COLOR: "" });
    expect(parsed.QUIRE_TITLE).toBe("Quire");
    expect(parsed.QUIRE_DESCRIPTION).toBe("Chat with the documentation, on your own inference.");
    expect(parsed.QUIRE_ACCENT_COLOR).toBeUndefined();
    expect(parsed.QUIRE_LOGO_FILE).toBeUndefined();
    expect(parsed.QUIRE_FOLLOW_UPS).toBe(false);
  });

  it("take the operator's title, description, accent and logo", () => {
    const parsed = parse({ QUIRE_TITLE: " Acme Docs ", QUIRE_DESCRIPTION: "Ask Acme.", QUIRE_ACCENT_COLOR: "#E8590C", QUIRE_LOGO_FILE: "/srv/acme.svg" });
    expect([parsed.QUIRE_TITLE, parsed.QUIRE_DESCRIPTION, parsed.QUIRE_ACCENT_COLOR, parsed.QUIRE_LOGO_FILE]).toEqual(["Acme Docs", "Ask Acme.", "#E8590C", "/srv/acme.svg"]);
  });

  it.each([
    ["QUIRE_ACCENT_COLOR", "orange"],
    ["QUIRE_ACCENT_COLOR", "#fff"],
    ["QUIRE_TITLE", "t".repeat(81)],
    ["QUIRE_LOGO_FILE", "/srv/logo.gif"],
  ])("reject %s=%j with a message that names it", (name, value) => {
    expect(() => parse({ [name]: value })).toThrow(name);
  });
});
