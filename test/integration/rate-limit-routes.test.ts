import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeProviders } from "@/test/fakes/server";
import { call, readUiStream, startAppEnvironment, userMessage } from "@/test/support/app-harness";
import { errorResponseSchema } from "@/src/shared/errors";
import { resetStreamSlotsForTests } from "@/src/server/security/rate-limit-streams";

/**
 * The limits as a user meets them: through the real route handlers, with the
 * in-memory store, on short windows so that recovery is observable.
 */
let fakes: FakeProviders;
let chutesKeyRoute: typeof import("@/app/api/auth/chutes/key/route");
let chatRoute: typeof import("@/app/api/chat/route");
let loginRoute: typeof import("@/app/api/auth/chutes/login/route");

beforeAll(async () => {
  ({ fakes } = await startAppEnvironment({
    QUIRE_RATE_LIMIT_KEY_CHECKS: "3/2s",
    QUIRE_RATE_LIMIT_CHAT: "4/5s",
    QUIRE_RATE_LIMIT_LOGIN: "2/2s",
    QUIRE_MAX_CONCURRENT_STREAMS: "2",
    QUIRE_TRUST_PROXY: "1",
  }));
  resetStreamSlotsForTests();
  chutesKeyRoute = await import("@/app/api/auth/chutes/key/route");
  chatRoute = await import("@/app/api/chat/route");
  loginRoute = await import("@/app/api/auth/chutes/login/route");
  // The first chat opens the embedded store (seconds); do it before any window is measured.
  const warmUp = await call(chatRoute.POST, "/api/chat", {
    method: "POST",
    body: { messages: [userMessage("warm up")] },
    headers: { ...from("192.0.2.1"), authorization: `Bearer ${fakes.keys.chutesKey("warmup")}` },
  });
  await readUiStream(warmUp);
}, 120_000);
afterAll(() => fakes.close());
beforeEach(() => fakes.reset());

const from = (ip: string) => ({ "x-forwarded-for": ip });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Windows are fixed and aligned to the clock; start a burst just after a boundary so it stays in one window. */
const atWindowStart = (windowMs: number) => sleep(windowMs - (Date.now() % windowMs) + 20);

function saveKey(apiKey: string, ip: string) {
  return call(chutesKeyRoute.POST, "/api/auth/chutes/key", { method: "POST", body: { apiKey }, headers: from(ip) });
}

async function errorOf(response: Response) {
  return errorResponseSchema.parse(await response.json()).error;
}

describe("key checks", () => {
  it("answers 429 rate_limited with Retry-After past the limit, without asking the provider, and recovers after the window", async () => {
    const ip = "203.0.113.10";
    await atWindowStart(2000);
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await saveKey(fakes.keys.chutesKey(`user${attempt}`), ip)).status).toBe(200);
    }
    const calls = fakes.requests.length;
    const refused = await saveKey(fakes.keys.chutesKey("user3"), ip);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    const error = await errorOf(refused);
    expect(error.code).toBe("rate_limited");
    expect(error.message).toMatch(/Too many key checks/);
    expect(JSON.stringify(error)).not.toContain("cpk_");
    expect(fakes.requests.length).toBe(calls);

    // Another address is not affected; the first recovers once its window has passed.
    expect((await saveKey(fakes.keys.chutesKey("other"), "203.0.113.11")).status).toBe(200);
    await sleep(retryAfter * 1000 + 100);
    expect((await saveKey(fakes.keys.chutesKey("later"), ip)).status).toBe(200);
  });

  it("does not count a malformed key, which never reaches the provider", async () => {
    const ip = "203.0.113.20";
    for (let attempt = 0; attempt < 6; attempt++) expect((await saveKey("cpk_short", ip)).status).toBe(400);
    expect((await saveKey(fakes.keys.chutesKey("fine"), ip)).status).toBe(200);
  });

  it("limits one key across addresses (a stolen key checked from many places)", async () => {
    const key = fakes.keys.chutesKey("shared");
    await atWindowStart(2000);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) statuses.push((await saveKey(key, `198.51.100.${attempt + 1}`)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

describe("chat", () => {
  const chat = (key: string, ip: string) =>
    call(chatRoute.POST, "/api/chat", { method: "POST", body: { messages: [userMessage("hello")] }, headers: { ...from(ip), authorization: `Bearer ${key}` } });

  it("limits requests per window and says when to come back", async () => {
    const key = fakes.keys.chutesKey("chatter");
    await atWindowStart(5000);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      const response = await chat(key, "192.0.2.50");
      statuses.push(response.status);
      if (response.ok) await readUiStream(response);
      else expect((await errorOf(response)).code).toBe("rate_limited");
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    expect(fakes.requests.filter((request) => request.path.endsWith("/chat/completions")).length).toBe(4);
  });

  it("caps concurrent streams per client and frees a slot when a stream ends", async () => {
    const key = fakes.keys.chutesKey("streamer");
    await atWindowStart(5000);
    fakes.setBehavior(key, { tokensPerSecond: 40 });
    const first = await chat(key, "192.0.2.60");
    const second = await chat(key, "192.0.2.60");
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await chat(key, "192.0.2.60");
    expect(third.status).toBe(429);
    expect((await errorOf(third)).message).toMatch(/Too many answers are streaming at once/);
    await readUiStream(first);
    const fourth = await chat(key, "192.0.2.60");
    expect(fourth.status).toBe(200);
    await Promise.all([readUiStream(second), readUiStream(fourth)]);
  });
});

describe("sign-in", () => {
  it("sends a client that starts too many sign-ins to the friendly page, not to the IDP", async () => {
    const locations: string[] = [];
    await atWindowStart(2000);
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await call(loginRoute.GET, "/api/auth/chutes/login?returnTo=/", { headers: from("192.0.2.70") });
      locations.push(response.headers.get("location") ?? "");
    }
    expect(locations[2]).toContain("/auth/error?reason=rate_limited");
    expect(locations[0]).not.toContain("reason=rate_limited");
  });
});
