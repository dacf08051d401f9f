import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeProviders, type FakeProviders, type RecordedRequest } from "./server";
import { CHUTES_MODEL, OPENROUTER_MODEL, chatBody, postForm, postJson } from "./test-support";

let fakes: FakeProviders;
beforeAll(async () => {
  fakes = await startFakeProviders();
});
afterAll(() => fakes.close());
beforeEach(() => fakes.reset());

async function waitFor<T>(read: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe("recording", () => {
  it("records provider, path, query, Authorization, headers, body, status and timing", async () => {
    const key = fakes.keys.openrouterKey();
    await (await postJson(`${fakes.openrouterUrl}/chat/completions`, chatBody("hi", { model: OPENROUTER_MODEL }), `Bearer ${key}`)).json();
    await (await fetch(`${fakes.chutesApiUrl}/chutes/?include_public=true&limit=5`)).json();
    await (await postForm(`${fakes.chutesIdpUrl}/idp/token/revoke`, { token: "cak_x" })).json();
    const [chat, chutes, revoke] = fakes.requests;
    expect(chat).toMatchObject({
      provider: "openrouter",
      surface: "openrouter",
      method: "POST",
      path: "/chat/completions",
      authorization: `Bearer ${key}`,
      headers: { "content-type": "application/json" },
      body: { model: OPENROUTER_MODEL },
      status: 200,
    });
    expect(chat?.endedAt).toBeGreaterThanOrEqual(chat?.startedAt ?? Infinity);
    expect(chutes).toMatchObject({ provider: "chutes", surface: "api", path: "/chutes/", query: { include_public: "true", limit: "5" }, authorization: null });
    expect(revoke).toMatchObject({ path: "/idp/token/revoke", body: { token: "cak_x" } });
    fakes.clearRequests();
    expect(fakes.requests).toHaveLength(0);
  });

  it("notes clientClosedAt within ~100 ms when the client aborts mid-stream", async () => {
    const key = fakes.keys.chutesKey();
    fakes.setBehavior(key, { tokensPerSecond: 20 });
    const controller = new AbortController();
    const response = await fetch(`${fakes.chutesLlmUrl}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(chatBody("abort me", { model: CHUTES_MODEL, stream: true })),
      signal: controller.signal,
    });
    const reader = response.body?.getReader();
    await reader?.read();
    await reader?.read();
    const abortedAt = Date.now();
    controller.abort();
    const record = fakes.requests[0] as RecordedRequest;
    const closedAt = await waitFor(() => record.clientClosedAt, 1000);
    expect(closedAt).toBeDefined();
    expect((closedAt ?? Infinity) - abortedAt).toBeLessThan(100);
    expect(record.status).toBe(200);
    // The stream stops: no more writes after the close.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(record.endedAt).toBe(closedAt);
  });

  it("notes clientClosedAt while the fake is still waiting for the first token", async () => {
    const key = fakes.keys.openrouterKey();
    fakes.setBehavior(key, { firstTokenDelayMs: 2000 });
    const controller = new AbortController();
    await fetch(`${fakes.openrouterUrl}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(chatBody("slow", { model: OPENROUTER_MODEL, stream: true })),
      signal: controller.signal,
    });
    const abortedAt = Date.now();
    controller.abort();
    const closedAt = await waitFor(() => fakes.requests[0]?.clientClosedAt, 1000);
    expect((closedAt ?? Infinity) - abortedAt).toBeLessThan(100);
  });
});

describe("env and control API", () => {
  it("env() points every base URL at the fake", () => {
    expect(fakes.env()).toEqual({
      CHUTES_API_URL: `${fakes.url}/chutes/api`,
      CHUTES_IDP_URL: `${fakes.url}/chutes/api`,
      CHUTES_LLM_URL: `${fakes.url}/chutes/llm/v1`,
      CHUTES_EMBED_URL: `${fakes.url}/chutes/embed/v1`,
      OPENROUTER_API_URL: `${fakes.url}/openrouter/api/v1`,
    });
    expect(fakes.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("sets behaviors, one-shot behaviors and resets over HTTP; lists requests", async () => {
    const { chutesKey } = await (await fetch(`${fakes.url}/__fake/keys?seed=dave`)).json();
    expect((await (await fetch(`${fakes.chutesApiUrl}/users/me`, { headers: { authorization: `Bearer ${chutesKey}` } })).json()).username).toBe("dave");

    expect((await postJson(`${fakes.url}/__fake/behavior`, { credential: chutesKey, behavior: { balance: 1.5 } })).status).toBe(200);
    expect((await (await fetch(`${fakes.chutesApiUrl}/users/me`, { headers: { authorization: `Bearer ${chutesKey}` } })).json()).balance).toBe(1.5);

    await postJson(`${fakes.url}/__fake/behavior`, { behavior: { unavailable: true }, next: { times: 1, provider: "chutes" } });
    const chat = () => postJson(`${fakes.chutesLlmUrl}/chat/completions`, chatBody("hi", { model: CHUTES_MODEL }), `Bearer ${chutesKey}`);
    expect((await chat()).status).toBe(503);
    expect((await chat()).status).toBe(200);

    const requests = await (await fetch(`${fakes.url}/__fake/requests`)).json();
    expect(requests.map((request: RecordedRequest) => request.path)).toEqual(["/users/me", "/users/me", "/chat/completions", "/chat/completions"]);

    expect((await postJson(`${fakes.url}/__fake/reset`, {})).status).toBe(200);
    expect(await (await fetch(`${fakes.url}/__fake/requests`)).json()).toEqual([]);
  });

  it("refuses unknown knobs and routes", async () => {
    expect((await postJson(`${fakes.url}/__fake/behavior`, { behavior: { rejct: true } })).status).toBe(400);
    expect((await postJson(`${fakes.url}/__fake/nope`, {})).status).toBe(404);
  });

  it("controls OAuth and the credits mode over HTTP", async () => {
    await postJson(`${fakes.url}/__fake/oauth`, { deny: true, registerClient: { clientId: "cid_x", redirectUris: ["http://localhost/cb"] } });
    const denied = await fetch(`${fakes.chutesIdpUrl}/idp/authorize?response_type=code&client_id=cid_x&redirect_uri=${encodeURIComponent("http://localhost/cb")}`, { redirect: "manual" });
    expect(denied.headers.get("location")).toContain("error=access_denied");
    await postJson(`${fakes.url}/__fake/credits-mode`, { mode: "strict" });
    expect((await fetch(`${fakes.openrouterUrl}/credits`, { headers: { authorization: `Bearer ${fakes.keys.openrouterKey()}` } })).status).toBe(403);
  });
});
