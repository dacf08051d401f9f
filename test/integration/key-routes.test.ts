import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeProviders } from "@/test/fakes/server";
import { APP_ORIGIN, call, CookieJar, readUiStream, startAppEnvironment, streamedText, userMessage } from "@/test/support/app-harness";
import { authStatusSchema } from "@/src/shared/auth";
import { errorResponseSchema } from "@/src/shared/errors";
import { resetEnvForTests } from "@/src/server/env";

let fakes: FakeProviders;
let chutesKeyRoute: typeof import("@/app/api/auth/chutes/key/route");
let openRouterKeyRoute: typeof import("@/app/api/auth/openrouter/key/route");
let statusRoute: typeof import("@/app/api/auth/status/route");
let chatRoute: typeof import("@/app/api/chat/route");
let modelsRoute: typeof import("@/app/api/models/route");

beforeAll(async () => {
  ({ fakes } = await startAppEnvironment({ QUIRE_VALIDATION_TIMEOUT_MS: "400" }));
  chutesKeyRoute = await import("@/app/api/auth/chutes/key/route");
  openRouterKeyRoute = await import("@/app/api/auth/openrouter/key/route");
  statusRoute = await import("@/app/api/auth/status/route");
  chatRoute = await import("@/app/api/chat/route");
  modelsRoute = await import("@/app/api/models/route");
});
afterAll(() => fakes.close());
beforeEach(() => fakes.reset());

async function status(jar: CookieJar) {
  return authStatusSchema.parse(await (await call(statusRoute.GET, "/api/auth/status", { jar })).json());
}

async function errorOf(response: Response) {
  return errorResponseSchema.parse(await response.json()).error;
}

function saveChutesKey(jar: CookieJar, apiKey: string) {
  return call(chutesKeyRoute.POST, "/api/auth/chutes/key", { method: "POST", body: { apiKey }, jar });
}

describe("POST /api/auth/chutes/key", () => {
  it("validates against /users/me, then sets a sealed HttpOnly SameSite=Strict cookie", async () => {
    const jar = new CookieJar();
    const key = fakes.keys.chutesKey("alice");
    fakes.setBehavior(key, { balance: 12.5 });
    const response = await saveChutesKey(jar, key);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ username: "alice", hint: `cpk_…${key.slice(-4)}`, balance: 12.5 });
    const [cookie] = response.headers.getSetCookie();
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain(key);
    expect(cookie).not.toContain(key.slice(4, 20));
    const validation = fakes.requests.find((request) => request.path === "/users/me");
    expect(validation?.authorization).toBe(`Bearer ${key}`);
  });

  it("rejects a wrong format with 400 and no upstream call", async () => {
    for (const apiKey of ["", "hello", "cpk_short", "sk-or-v1-" + "a".repeat(64), `cak_${"a".repeat(64)}`]) {
      const response = await saveChutesKey(new CookieJar(), apiKey);
      expect(response.status).toBe(400);
      expect((await errorOf(response)).code).toBe("invalid_format");
    }
    expect(fakes.requests).toHaveLength(0);
  });

  it("answers 401 invalid_credential for a key the provider rejects", async () => {
    const key = fakes.keys.chutesKey("revoked");
    fakes.setBehavior(key, { reject: true });
    const response = await saveChutesKey(new CookieJar(), key);
    expect(response.status).toBe(401);
    const error = await errorOf(response);
    expect(error.code).toBe("invalid_credential");
    expect(JSON.stringify(error)).not.toContain(key);
    expect(response.headers.getSetCookie()).toHaveLength(0);
  });

  it("answers 402 credits_exhausted for a valid key with nothing left", async () => {
    const key = fakes.keys.chutesKey("empty");
    fakes.setBehavior(key, { balance: 0 });
    const response = await saveChutesKey(new CookieJar(), key);
    expect(response.status).toBe(402);
    expect((await errorOf(response)).code).toBe("credits_exhausted");
  });

  it("answers 502 provider_unavailable when the provider can't be reached", async () => {
    process.env.CHUTES_API_URL = "http://127.0.0.1:9/nothing-listens-here";
    resetEnvForTests();
    try {
      const response = await saveChutesKey(new CookieJar(), fakes.keys.chutesKey("alice"));
      expect(response.status).toBe(502);
      expect((await errorOf(response)).code).toBe("provider_unavailable");
    } finally {
      process.env.CHUTES_API_URL = fakes.chutesApiUrl;
      resetEnvForTests();
    }
  });

  it("answers 504 provider_unavailable when the provider does not answer in time", async () => {
    // A server that accepts the connection and never answers.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    process.env.CHUTES_API_URL = `http://127.0.0.1:${port}`;
    resetEnvForTests();
    try {
      const started = Date.now();
      const response = await saveChutesKey(new CookieJar(), fakes.keys.chutesKey("alice"));
      expect(response.status).toBe(504);
      expect((await errorOf(response)).code).toBe("provider_unavailable");
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      process.env.CHUTES_API_URL = fakes.chutesApiUrl;
      resetEnvForTests();
      silent.closeAllConnections();
      silent.close();
    }
  });

  it("rejects a cross-origin POST", async () => {
    const response = await call(chutesKeyRoute.POST, "/api/auth/chutes/key", {
      method: "POST",
      body: { apiKey: fakes.keys.chutesKey("alice") },
      headers: { origin: "https://evil.example" },
    });
    expect(response.status).toBe(403);
    expect((await errorOf(response)).code).toBe("cross_origin");
    expect(fakes.requests).toHaveLength(0);
  });

  it("fails closed: no Origin and no Sec-Fetch-Site is refused; a browser's same-origin fetch passes", async () => {
    const bare = new Request(`${APP_ORIGIN}/api/auth/chutes/key`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ apiKey: fakes.keys.chutesKey("alice") }),
    });
    const refused = await chutesKeyRoute.POST(bare, { params: Promise.resolve({}) });
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).code).toBe("cross_origin");
    expect(fakes.requests).toHaveLength(0);

    const sameOrigin = new Request(`${APP_ORIGIN}/api/auth/chutes/key`, {
      method: "POST",
      headers: { "content-type": "application/json", "sec-fetch-site": "same-origin" },
      body: JSON.stringify({ apiKey: fakes.keys.chutesKey("alice") }),
    });
    expect((await chutesKeyRoute.POST(sameOrigin, { params: Promise.resolve({}) })).status).toBe(200);
  });
});

describe("the stored key in use", () => {
  it("shows the hint and never the key in /api/auth/status", async () => {
    const jar = new CookieJar();
    const key = fakes.keys.chutesKey("alice");
    await saveChutesKey(jar, key);
    const response = await call(statusRoute.GET, "/api/auth/status", { jar });
    const text = await response.clone().text();
    expect(text).not.toContain(key);
    expect(text).not.toContain(key.slice(4, 40));
    const current = authStatusSchema.parse(await response.json());
    expect(current.chutes).toMatchObject({ active: "apiKey", apiKey: { hint: `cpk_…${key.slice(-4)}`, username: "alice" } });
    expect(current.openrouter.active).toBeNull();
  });

  it("chats with only the cookie, then DELETE → active null and chat → 401", async () => {
    const jar = new CookieJar();
    const key = fakes.keys.chutesKey("alice");
    await saveChutesKey(jar, key);
    fakes.clearRequests();
    const response = await call(chatRoute.POST, "/api/chat", { method: "POST", body: { messages: [userMessage("How do I stake?")] }, jar });
    expect(response.status).toBe(200);
    expect(streamedText(await readUiStream(response)).length).toBeGreaterThan(0);
    const chatCall = fakes.requests.find((request) => request.path === "/chat/completions");
    expect(chatCall?.authorization).toBe(`Bearer ${key}`);
    // The question is embedded through the same credential, even before the index has vectors.
    const embedCall = fakes.requests.find((request) => request.path === "/embeddings");
    expect(embedCall?.surface).toBe("embed");
    expect(embedCall?.authorization).toBe(`Bearer ${key}`);

    const removed = await call(chutesKeyRoute.DELETE, "/api/auth/chutes/key", { method: "DELETE", jar });
    expect(removed.status).toBe(200);
    expect((await status(jar)).chutes.active).toBeNull();
    const after = await call(chatRoute.POST, "/api/chat", { method: "POST", body: { messages: [userMessage("again")] }, jar });
    expect(after.status).toBe(401);
    expect((await errorOf(after)).code).toBe("invalid_credential");
  });

  it("saving a new key replaces the old one", async () => {
    const jar = new CookieJar();
    await saveChutesKey(jar, fakes.keys.chutesKey("alice"));
    const second = fakes.keys.chutesKey("bob");
    await saveChutesKey(jar, second);
    expect((await status(jar)).chutes.apiKey).toMatchObject({ username: "bob", hint: `cpk_…${second.slice(-4)}` });
  });

  it("refuses a forged or foreign cookie", async () => {
    const jar = new CookieJar();
    await saveChutesKey(jar, fakes.keys.chutesKey("alice"));
    const [sealed = ""] = jar.values();
    const response = await call(statusRoute.GET, "/api/auth/status", { headers: { cookie: `quire_openrouter_key=${sealed}; quire_chutes_key=${sealed.slice(0, -3)}abc` } });
    const current = authStatusSchema.parse(await response.json());
    expect(current.chutes.active).toBeNull();
    expect(current.openrouter.active).toBeNull();
  });
});

describe("OpenRouter key", () => {
  it("validates against /key with limits, and chats through the cookie", async () => {
    const jar = new CookieJar();
    const key = fakes.keys.openrouterKey("dave");
    fakes.setBehavior(key, { limit: 20, limitRemaining: 7.5 });
    const response = await call(openRouterKeyRoute.POST, "/api/auth/openrouter/key", { method: "POST", body: { apiKey: key }, jar });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ limit: 20, limitRemaining: 7.5, hint: `sk-or-v1-…${key.slice(-4)}` });
    expect(fakes.requests.map((request) => request.path)).toEqual(["/key"]);
    expect((await status(jar)).openrouter).toMatchObject({ active: "apiKey", apiKey: { limit: 20, limitRemaining: 7.5 } });
    const chat = await call(chatRoute.POST, "/api/chat", { method: "POST", body: { messages: [userMessage("hi")], provider: "openrouter" }, jar });
    expect(chat.status).toBe(200);
    await chat.text();
    expect(fakes.requests.find((request) => request.path === "/chat/completions")?.authorization).toBe(`Bearer ${key}`);
  });

  it("treats a key without a limit as unlimited", async () => {
    const key = fakes.keys.openrouterKey("erin");
    fakes.setBehavior(key, { limit: null, limitRemaining: null });
    const response = await call(openRouterKeyRoute.POST, "/api/auth/openrouter/key", { method: "POST", body: { apiKey: key } });
    expect(await response.json()).toMatchObject({ limit: null, limitRemaining: null });
  });

  it("rejects a Chutes key pasted in the OpenRouter card without a network call", async () => {
    const response = await call(openRouterKeyRoute.POST, "/api/auth/openrouter/key", { method: "POST", body: { apiKey: fakes.keys.chutesKey("x") } });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).message).toMatch(/Chutes key/);
    expect(fakes.requests).toHaveLength(0);
  });

  it("rejects a body that is not { apiKey }", async () => {
    const response = await call(openRouterKeyRoute.POST, "/api/auth/openrouter/key", { method: "POST", body: { key: 1 } });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe("bad_request");
  });
});

describe("GET /api/models", () => {
  it("lists Chutes models without auth, and OpenRouter chat models only", async () => {
    const chutes = await (await call(modelsRoute.GET, "/api/models?provider=chutes")).json();
    expect(chutes.models.map((model: { id: string }) => model.id)).toContain("deepseek-ai/DeepSeek-V3.2-TEE");
    expect(chutes.fallback).toBe(false);
    const openrouter = await (await call(modelsRoute.GET, "/api/models?provider=openrouter")).json();
    const ids: string[] = openrouter.models.map((model: { id: string }) => model.id);
    expect(ids).toContain("deepseek/deepseek-chat-v3.1");
    expect(ids.some((id) => id.includes("bge"))).toBe(false);
    expect(fakes.requests.every((request) => request.authorization === null)).toBe(true);
  });

  it("rejects an unknown provider", async () => {
    expect((await call(modelsRoute.GET, "/api/models?provider=openai")).status).toBe(400);
  });
});

describe("cookie credentials stay with this app's pages", () => {
  it("refuses a cross-origin chat that relies on the stored key, but not one that brings its own key", async () => {
    const jar = new CookieJar();
    const key = fakes.keys.chutesKey("alice");
    await saveChutesKey(jar, key);
    const crossSite = await call(chatRoute.POST, "/api/chat", {
      method: "POST",
      body: { messages: [userMessage("spend their credit")] },
      jar,
      headers: { origin: "https://evil.example" },
    });
    expect(crossSite.status).toBe(403);
    expect((await errorOf(crossSite)).code).toBe("cross_origin");
    expect(fakes.requests.some((request) => request.path === "/chat/completions")).toBe(false);

    const automation = await call(chatRoute.POST, "/api/chat", {
      method: "POST",
      body: { messages: [userMessage("hi")] },
      headers: { origin: "https://ci.example", authorization: `Bearer ${key}` },
    });
    expect(automation.status).toBe(200);
    await automation.text();
  });
});
