import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/src/server/env";
import { failurePageUrl, safeReturnTo } from "@/src/server/auth/oauth-flow";

const saved = { APP_URL: process.env.APP_URL, SESSION_SECRET: process.env.SESSION_SECRET };
beforeAll(() => {
  process.env.APP_URL = "https://quire.example";
  process.env.SESSION_SECRET = "unit-test-secret-that-is-long-enough-for-quire";
  resetEnvForTests();
});
afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  resetEnvForTests();
});

describe("safeReturnTo keeps only same-origin relative paths", () => {
  it.each([
    ["/", "/"],
    ["/settings", "/settings"],
    ["/docs/page?x=1#top", "/docs/page?x=1#top"],
    ["/a/../b", "/b"],
  ])("%s → %s", (input, expected) => {
    expect(safeReturnTo(input)).toBe(expected);
  });

  it.each([
    ["https://evil.example"],
    ["http://quire.example/settings"],
    ["//evil.example"],
    ["//evil.example/path"],
    ["/\\evil.example"],
    ["\\\\evil.example"],
    ["/\t/evil.example"],
    ["/\n/evil.example"],
    ["javascript:alert(1)"],
    ["settings"],
    ["/api/auth/chutes/login"],
    [""],
    [`/${"a".repeat(3000)}`],
  ])("refuses %j", (input) => {
    expect(safeReturnTo(input)).toBe("/");
  });

  it("treats a missing value as /", () => {
    expect(safeReturnTo(null)).toBe("/");
    expect(safeReturnTo(undefined)).toBe("/");
  });
});

describe("failurePageUrl", () => {
  it("points at the friendly page on APP_URL with the reason and a safe returnTo", () => {
    const url = failurePageUrl("access_denied", "/settings");
    expect(url.origin).toBe("https://quire.example");
    expect(url.pathname).toBe("/auth/error");
    expect(url.searchParams.get("reason")).toBe("access_denied");
    expect(url.searchParams.get("returnTo")).toBe("/settings");
  });
});
