import { describe, expect, it } from "vitest";
import { envForThisFile } from "@/test/support/env";
import { failurePageUrl, safeReturnTo } from "@/src/server/auth/oauth-flow";

envForThisFile({ APP_URL: "https://quire.example", SESSION_SECRET: "unit-test-secret-that-is-long-enough-for-quire" });

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
    ["/.//evil.example"],
    ["/./\u002f/evil.example"],
    ["/a/..//evil.example"],
    ["/%2e//evil.example"],
    ["/x/../..//evil.example/path?q=1"],
    [""],
    [`/${"a".repeat(3000)}`],
  ])("refuses %j", (input) => {
    expect(safeReturnTo(input)).toBe("/");
  });

  it("never returns a value that a browser reads as another origin", () => {
    const base = new URL("https://quire.example");
    for (const input of ["/.//evil.example", "/a/..//evil.example", "/%2e//evil.example", "/./%2F/evil.example", "/.\\/evil.example", "/.%2f/evil.example", "/%2F%2Fevil.example", "/%5Cevil.example"]) {
      const output = safeReturnTo(input);
      expect(new URL(output, base).origin, `${input} → ${output}`).toBe(base.origin);
      expect(output.startsWith("//")).toBe(false);
    }
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
