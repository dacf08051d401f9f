import { describe, expect, it } from "vitest";
import { z } from "zod";
import { envForThisFile } from "@/test/support/env";
import { AppError } from "@/src/server/errors";
import { assertSameOrigin, misdirectedResponseFor, readJsonBody } from "@/src/server/http";

envForThisFile({
  APP_URL: "https://docs.example",
  QUIRE_ALLOWED_HOSTS: "chat.docs.example",
  SESSION_SECRET: "unit-test-secret-that-is-long-enough-for-quire",
});

function post(headers: Record<string, string>): Request {
  return new Request("https://docs.example/api/auth/chutes/key", { method: "POST", headers });
}

function refusal(request: Request): string | null {
  try {
    assertSameOrigin(request);
    return null;
  } catch (error) {
    return error instanceof AppError ? error.code : "other";
  }
}

describe("assertSameOrigin fails closed", () => {
  it("accepts Sec-Fetch-Site: same-origin, or an Origin of APP_URL or an allowed host", () => {
    expect(refusal(post({ "sec-fetch-site": "same-origin" }))).toBeNull();
    expect(refusal(post({ origin: "https://docs.example" }))).toBeNull();
    expect(refusal(post({ origin: "https://chat.docs.example" }))).toBeNull();
  });

  it("refuses a request with neither header, and any other site", () => {
    expect(refusal(post({}))).toBe("cross_origin");
    expect(refusal(post({ referer: "https://docs.example/settings" }))).toBe("cross_origin");
    expect(refusal(post({ origin: "https://evil.example" }))).toBe("cross_origin");
    expect(refusal(post({ origin: "http://docs.example" }))).toBe("cross_origin");
    expect(refusal(post({ origin: "null" }))).toBe("cross_origin");
    expect(refusal(post({ "sec-fetch-site": "same-site", origin: "https://docs.example" }))).toBe("cross_origin");
    expect(refusal(post({ "sec-fetch-site": "cross-site" }))).toBe("cross_origin");
  });

  it("does not trust the request's own Host or X-Forwarded-Host", () => {
    expect(refusal(post({ origin: "https://evil.example", host: "evil.example", "x-forwarded-host": "evil.example" }))).toBe("cross_origin");
  });
});

describe("readJsonBody", () => {
  const schema = z.object({ apiKey: z.string() });
  const body = (init: RequestInit & { headers?: Record<string, string> }) =>
    new Request("https://docs.example/api/x", { method: "POST", ...init });

  it("reads a JSON body declared as JSON", async () => {
    await expect(readJsonBody(body({ headers: { "content-type": "application/json; charset=utf-8" }, body: '{"apiKey":"k"}' }), schema)).resolves.toEqual({ apiKey: "k" });
  });

  it("refuses another Content-Type with 415 before reading", async () => {
    await expect(readJsonBody(body({ headers: { "content-type": "text/plain" }, body: '{"apiKey":"k"}' }), schema)).rejects.toMatchObject({ status: 415 });
  });

  it("stops at the limit with 413", async () => {
    await expect(readJsonBody(body({ headers: { "content-type": "application/json" }, body: JSON.stringify({ apiKey: "k".repeat(2000) }) }), schema, 1024)).rejects.toMatchObject({ status: 413 });
  });

  it("says what is wrong with a malformed body", async () => {
    await expect(readJsonBody(body({ headers: { "content-type": "application/json" }, body: "{" }), schema)).rejects.toMatchObject({ status: 400, message: "The request body must be valid JSON." });
    await expect(readJsonBody(body({ headers: { "content-type": "application/json" }, body: "{}" }), schema)).rejects.toMatchObject({ status: 400, message: expect.stringContaining("apiKey") });
  });
});

describe("the Host check of API routes", () => {
  const at = (host: string | null) =>
    new Request("https://docs.example/api/chat", { method: "POST", headers: host === null ? {} : { host } });

  it("answers APP_URL's host and the allowed ones", () => {
    expect(misdirectedResponseFor(at("docs.example"))).toBeNull();
    expect(misdirectedResponseFor(at("chat.docs.example"))).toBeNull();
    expect(misdirectedResponseFor(at(null))).toBeNull();
  });

  it("refuses any other Host with a 421 JSON error (DNS rebinding)", async () => {
    const response = misdirectedResponseFor(at("evil.example"));
    expect(response?.status).toBe(421);
    expect(await response?.json()).toMatchObject({ error: { code: "bad_request" } });
    expect(misdirectedResponseFor(at("docs.example.evil.example"))?.status).toBe(421);
    expect(misdirectedResponseFor(at("127.0.0.1"))?.status).toBe(421);
  });
});
