import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CHUTES_KEY_PATTERN } from "./keys";
import { startFakeProviders, type FakeProviders } from "./server";

let fakes: FakeProviders;
beforeAll(async () => {
  fakes = await startFakeProviders();
});
afterAll(() => fakes.close());
beforeEach(() => fakes.reset());

const get = (url: string, authorization?: string) =>
  fetch(url, { headers: authorization === undefined ? {} : { authorization } });

describe("keys", () => {
  it("mints deterministic, well-formed keys per seed", () => {
    expect(fakes.keys.chutesKey("alice")).toMatch(CHUTES_KEY_PATTERN);
    expect(fakes.keys.chutesKey("alice")).toBe(fakes.keys.chutesKey());
    expect(fakes.keys.chutesKey("bob")).not.toBe(fakes.keys.chutesKey("alice"));
    expect(fakes.keys.openrouterKey("alice")).toMatch(/^sk-or-v1-[a-f0-9]{64}$/);
    expect(fakes.keys.openrouterKey("alice", { management: true })).not.toBe(fakes.keys.openrouterKey("alice"));
  });
});

describe("Chutes accounts (PROTOCOLS §1.5, §1.6)", () => {
  it("/users/me reports the key's seed as username, with a balance and no email", async () => {
    const response = await get(`${fakes.chutesApiUrl}/users/me`, `Bearer ${fakes.keys.chutesKey("bob")}`);
    const body = await response.json();
    expect(body).toMatchObject({ username: "bob", user_id: expect.stringMatching(/^[0-9a-f-]{36}$/), balance: 12.34, quotas: null });
    expect(body).not.toHaveProperty("email");
    // The server takes the last space-separated token, so a bare key works too.
    expect((await get(`${fakes.chutesApiUrl}/users/me`, fakes.keys.chutesKey("bob"))).status).toBe(200);
  });

  it("/users/me refuses bad credentials with the real messages", async () => {
    const cases: [string | undefined, string][] = [
      [undefined, "Can't find a user with that api key in our db :("],
      ["Bearer cpk_short", "Missing or invalid authorization header(s)"],
      ["Bearer sk-or-v1-abc", "Invalid token."],
      ["Bearer cak_unknown", "Can't find a user with that api key in our db :("],
    ];
    for (const [authorization, detail] of cases) {
      const response = await get(`${fakes.chutesApiUrl}/users/me`, authorization);
      expect([response.status, await response.json()]).toEqual([401, { detail }]);
    }
  });

  it("balance, username and quotas knobs", async () => {
    const key = fakes.keys.chutesKey();
    fakes.setBehavior(key, { balance: 0.5, username: "carol", quotas: { "*": 0 } });
    expect(await (await get(`${fakes.chutesApiUrl}/users/me`, `Bearer ${key}`)).json()).toMatchObject({ username: "carol", balance: 0.5 });
    expect(await (await get(`${fakes.chutesApiUrl}/users/me/quotas`, `Bearer ${key}`)).json()).toEqual({ "*": 0 });
    fakes.setBehavior(key, { creditsExhausted: "before" });
    expect((await (await get(`${fakes.chutesApiUrl}/users/me`, `Bearer ${key}`)).json()).balance).toBe(0);
    fakes.reset();
    expect(await (await get(`${fakes.chutesApiUrl}/users/me/quotas`, `Bearer ${key}`)).json()).toEqual({});
  });

  it("lists chutes without auth, including the embedding chute", async () => {
    const body = await (await get(`${fakes.chutesApiUrl}/chutes/?include_public=true&limit=500`)).json();
    expect(body).toMatchObject({ page: 0, limit: 500 });
    const slugs = body.items.map((item: { slug: string }) => item.slug);
    expect(slugs).toContain("chutes-baai-bge-m3");
    expect(slugs).toContain("chutes-deepseek-ai-deepseek-v3-2-tee");
    expect((await get(`${fakes.chutesApiUrl}/chutes/?include_public=true`, "Bearer nonsense")).status).toBe(401);
  });

  it("lists LLM models without auth", async () => {
    const body = await (await get(`${fakes.chutesLlmUrl}/models`)).json();
    expect(body.object).toBe("list");
    expect(body.data[0]).toMatchObject({ id: "deepseek-ai/DeepSeek-V3.2-TEE", chute_id: expect.any(String), pricing: { prompt: 0.25 } });
  });
});

describe("OpenRouter accounts (PROTOCOLS §2.3–2.5)", () => {
  it("/key and /auth/key describe the key; limit knobs apply", async () => {
    const key = fakes.keys.openrouterKey();
    for (const path of ["/key", "/auth/key"]) {
      const body = await (await get(`${fakes.openrouterUrl}${path}`, `Bearer ${key}`)).json();
      expect(body.data).toMatchObject({ label: `${key.slice(0, 11)}...${key.slice(-3)}`, limit: null, limit_remaining: null, is_management_key: false });
    }
    fakes.setBehavior(key, { limit: 10, limitRemaining: 0 });
    expect((await (await get(`${fakes.openrouterUrl}/key`, `Bearer ${key}`)).json()).data).toMatchObject({ limit: 10, limit_remaining: 0 });
  });

  it("refuses missing, malformed and rejected keys", async () => {
    expect(await (await get(`${fakes.openrouterUrl}/key`)).json()).toEqual({ error: { code: 401, message: "No auth credentials found" } });
    expect((await get(`${fakes.openrouterUrl}/key`, "Bearer sk-or-short")).status).toBe(401);
    expect((await get(`${fakes.openrouterUrl}/key`, "Bearer sk-or-any-long-enough-key")).status).toBe(200);
    const key = fakes.keys.openrouterKey();
    fakes.setBehavior(key, { reject: true });
    expect(await (await get(`${fakes.openrouterUrl}/key`, `Bearer ${key}`)).json()).toEqual({ error: { code: 401, message: "User not found." } });
  });

  it("/credits: 200 in legacy mode, 403 for non-management keys in strict mode", async () => {
    const key = fakes.keys.openrouterKey();
    const management = fakes.keys.openrouterKey("alice", { management: true });
    expect(await (await get(`${fakes.openrouterUrl}/credits`, `Bearer ${key}`)).json()).toEqual({ data: { total_credits: 100.5, total_usage: 25.75 } });
    fakes.setBehavior(key, { balance: 0 });
    const zero = (await (await get(`${fakes.openrouterUrl}/credits`, `Bearer ${key}`)).json()).data;
    expect(zero.total_credits - zero.total_usage).toBe(0);
    fakes.setOpenRouterCreditsMode("strict");
    const strict = await get(`${fakes.openrouterUrl}/credits`, `Bearer ${key}`);
    expect(strict.status).toBe(403);
    expect((await strict.json()).error.code).toBe(403);
    expect((await get(`${fakes.openrouterUrl}/credits`, `Bearer ${management}`)).status).toBe(200);
  });

  it("strict mode can be chosen at start", async () => {
    const strict = await startFakeProviders({ openrouterCreditsMode: "strict" });
    try {
      expect((await get(`${strict.openrouterUrl}/credits`, `Bearer ${strict.keys.openrouterKey()}`)).status).toBe(403);
    } finally {
      await strict.close();
    }
  });

  it("/models needs no auth and includes non-chat models to filter out", async () => {
    const { data } = await (await get(`${fakes.openrouterUrl}/models`)).json();
    const byId = new Map(data.map((model: { id: string; architecture: { output_modalities: string[] } }) => [model.id, model.architecture.output_modalities]));
    expect(byId.get("deepseek/deepseek-chat-v3.1")).toEqual(["text"]);
    expect(byId.get("baai/bge-m3")).toEqual(["embeddings"]);
    expect(data[0].pricing.prompt).toEqual(expect.any(String));
  });
});
