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
