import { describe, expect, it } from "vitest";
import { call, CookieJar, readUiStream, streamedText } from "@/test/support/app-harness";
import {
  authorizations,
  chat,
  CLIENT_ID,
  signIn,
  spendRefreshToken,
  setUpOAuthTests,
  status,
} from "@/test/integration/oauth-support";
import { resetEnvForTests } from "@/src/server/env";
import { resetRefreshesForTests } from "@/src/server/auth/chutes-session";
import { errorResponseSchema } from "@/src/shared/errors";

const oauth = setUpOAuthTests(resetRefreshesForTests);

/** A session whose access token is inside the refresh margin from the start. */
async function signInWithShortTtl(jar: CookieJar): Promise<void> {
  oauth.fakes.oauth.setAccessTokenTtlSeconds(30);
  expect((await signIn(oauth.routes, jar)).status).toBe(303);
}

async function expectAnswer(response: Response): Promise<void> {
  expect(response.status).toBe(200);
  expect(streamedText(await readUiStream(response)).length).toBeGreaterThan(10);
}

async function errorOf(response: Response) {
  return errorResponseSchema.parse(await response.json()).error;
}

describe("chat through a Chutes OAuth session", () => {
  it("uses the cak_ access token without refreshing while it is fresh", async () => {
    const jar = new CookieJar();
    await signIn(oauth.routes, jar);
    await expectAnswer(await chat(oauth.routes, jar));
    expect(authorizations(oauth.fakes, "/chat/completions")).toEqual([`Bearer ${oauth.fakes.oauth.issued.accessTokens[0]}`]);
    expect(oauth.fakes.oauth.tokenCalls("refresh_token")).toHaveLength(0);
  });

  it("refreshes an access token about to expire, transparently, and stores the rotated refresh token", async () => {
    const jar = new CookieJar();
    await signInWithShortTtl(jar);
    const first = await chat(oauth.routes, jar);
    expect(first.headers.getSetCookie().some((cookie) => cookie.startsWith("quire_chutes_session="))).toBe(true);
    await expectAnswer(first);
    const { accessTokens, refreshTokens } = oauth.fakes.oauth.issued;
    expect(authorizations(oauth.fakes, "/chat/completions")).toEqual([`Bearer ${accessTokens[1]}`]);

    // The next refresh spends the rotated token, not the first one.
    await expectAnswer(await chat(oauth.routes, jar));
    const refreshForms = oauth.fakes.oauth.tokenCalls("refresh_token").map((request) => request.body as Record<string, string>);
    expect(refreshForms.map((form) => form.refresh_token)).toEqual([refreshTokens[0], refreshTokens[1]]);
    expect(authorizations(oauth.fakes, "/chat/completions").at(-1)).toBe(`Bearer ${accessTokens[2]}`);
  });

  it("spends a refresh token once when two chats arrive during the refresh", async () => {
    const jar = new CookieJar();
    await signInWithShortTtl(jar);
    const [one, two] = await Promise.all([chat(oauth.routes, jar), chat(oauth.routes, jar)]);
    await Promise.all([expectAnswer(one), expectAnswer(two)]);
    expect(oauth.fakes.oauth.tokenCalls("refresh_token")).toHaveLength(1);
    const fresh = `Bearer ${oauth.fakes.oauth.issued.accessTokens[1]}`;
    expect(authorizations(oauth.fakes, "/chat/completions")).toEqual([fresh, fresh]);
  });

  it("answers a late request that still carries the spent refresh token from the same refresh", async () => {
    const jar = new CookieJar();
    await signInWithShortTtl(jar);
    const staleCookie = jar.header();
    await expectAnswer(await chat(oauth.routes, jar));
    const late = await call(oauth.routes.chat, "/api/chat", {
      method: "POST",
      headers: { cookie: staleCookie },
      body: { messages: [{ id: "u1", role: "user", parts: [{ type: "text", text: "and then?" }] }] },
    });
    await expectAnswer(late);
    expect(oauth.fakes.oauth.tokenCalls("refresh_token")).toHaveLength(1);
  });

  it("keeps the session on a transport failure while the old access token is still valid", async () => {
    const jar = new CookieJar();
    await signInWithShortTtl(jar);
    process.env.CHUTES_IDP_URL = "http://127.0.0.1:9/nothing-listens-here";
    resetEnvForTests();
    try {
      const response = await chat(oauth.routes, jar);
      expect(response.headers.getSetCookie()).toEqual([]);
      await expectAnswer(response);
      expect(authorizations(oauth.fakes, "/chat/completions")).toEqual([`Bearer ${oauth.fakes.oauth.issued.accessTokens[0]}`]);
    } finally {
      process.env.CHUTES_IDP_URL = oauth.fakes.chutesIdpUrl;
      resetEnvForTests();
    }
  });
});

describe("a refresh token the IDP refuses signs the browser out of OAuth, visibly", () => {
  it("reports 401 with the OAuth wording, clears the session and marks it expired", async () => {
    const jar = new CookieJar();
    await signInWithShortTtl(jar);
    // Another instance (or a stolen copy) already rotated it; the IDP now answers invalid_grant.
    await spendRefreshToken(oauth.fakes, oauth.fakes.oauth.issued.refreshTokens[0] ?? "");

    const response = await chat(oauth.routes, jar);
    expect(response.status).toBe(401);
    const error = await errorOf(response);
    expect(error).toMatchObject({ code: "invalid_credential", provider: "chutes" });
    expect(error.message).toContain("Sign in with Chutes again");
    const cookies = response.headers.getSetCookie();
    expect(cookies.find((cookie) => cookie.startsWith("quire_chutes_session="))).toMatch(/Max-Age=0/);
    expect(cookies.find((cookie) => cookie.startsWith("quire_chutes_session_expired="))).toMatch(/^quire_chutes_session_expired=1;.*HttpOnly/);
    expect(oauth.fakes.requests.filter((request) => request.path === "/chat/completions")).toHaveLength(0);

    expect((await status(oauth.routes, jar)).chutes).toMatchObject({ active: null, oauth: null, sessionExpired: true });
    const again = await chat(oauth.routes, jar);
    expect(again.status).toBe(401);
    expect((await errorOf(again)).message).toContain("Sign in with Chutes again");

    // Signing in again clears the marker.
    oauth.fakes.oauth.setAccessTokenTtlSeconds(3600);
    await signIn(oauth.routes, jar);
    expect((await status(oauth.routes, jar)).chutes).toMatchObject({ active: "oauth", sessionExpired: false });
  });

  it("ends a session that needs a refresh once the server has no OAuth client any more", async () => {
    const jar = new CookieJar();
    await signInWithShortTtl(jar);
    process.env.CHUTES_OAUTH_CLIENT_ID = "";
    resetEnvForTests();
    try {
      const response = await chat(oauth.routes, jar);
      expect(response.status).toBe(401);
      expect((await errorOf(response)).message).toContain("Sign in with Chutes again");
      expect(oauth.fakes.oauth.tokenCalls("refresh_token")).toHaveLength(0);
    } finally {
      process.env.CHUTES_OAUTH_CLIENT_ID = CLIENT_ID;
      resetEnvForTests();
    }
  });

  it("still lets an OpenRouter key answer when no provider was named", async () => {
    const jar = new CookieJar();
    await signInWithShortTtl(jar);
    await spendRefreshToken(oauth.fakes, oauth.fakes.oauth.issued.refreshTokens[0] ?? "");
    const openRouterKey = oauth.fakes.keys.openrouterKey("bob");
    const saved = await call((await import("@/app/api/auth/openrouter/key/route")).POST, "/api/auth/openrouter/key", {
      method: "POST",
      jar,
      body: { apiKey: openRouterKey },
    });
    expect(saved.status).toBe(200);
    const response = await chat(oauth.routes, jar, { model: "deepseek/deepseek-chat-v3.1" });
    expect(response.headers.getSetCookie().some((cookie) => cookie.startsWith("quire_chutes_session_expired=1"))).toBe(true);
    await expectAnswer(response);
    expect(authorizations(oauth.fakes, "/chat/completions")).toEqual([`Bearer ${openRouterKey}`]);
  });
});

describe("POST /api/auth/chutes/logout", () => {
  it("revokes the tokens at the IDP and clears the session", async () => {
    const jar = new CookieJar();
    await signIn(oauth.routes, jar);
    const [accessToken, refreshToken] = [oauth.fakes.oauth.issued.accessTokens[0], oauth.fakes.oauth.issued.refreshTokens[0]];
    const response = await call(oauth.routes.logout, "/api/auth/chutes/logout", { method: "POST", jar });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ signedOut: true, revoked: true });
    expect(oauth.fakes.oauth.issued.revoked).toEqual(expect.arrayContaining([accessToken, refreshToken]));
    const revokeCalls = oauth.fakes.requests.filter((request) => request.path === "/idp/token/revoke");
    expect(revokeCalls.length).toBe(2);
    expect(response.headers.getSetCookie().find((cookie) => cookie.startsWith("quire_chutes_session="))).toMatch(/Max-Age=0/);
    expect((await status(oauth.routes, jar)).chutes).toMatchObject({ active: null, oauth: null, sessionExpired: false });
    // The revoked token is dead upstream too.
    const userinfo = await fetch(`${oauth.fakes.chutesIdpUrl}/idp/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(userinfo.status).toBe(401);
    const afterwards = await chat(oauth.routes, jar);
    expect(afterwards.status).toBe(401);
    expect((await errorOf(afterwards)).message).toContain("Connect a provider first");
  });

  it("clears the session locally when the revoke fails", async () => {
    const jar = new CookieJar();
    await signIn(oauth.routes, jar);
    process.env.CHUTES_IDP_URL = "http://127.0.0.1:9/nothing-listens-here";
    resetEnvForTests();
    try {
      const response = await call(oauth.routes.logout, "/api/auth/chutes/logout", { method: "POST", jar });
      expect(await response.json()).toEqual({ signedOut: true, revoked: false });
    } finally {
      process.env.CHUTES_IDP_URL = oauth.fakes.chutesIdpUrl;
      resetEnvForTests();
    }
    expect((await status(oauth.routes, jar)).chutes.oauth).toBeNull();
  });

  it("refuses a cross-origin sign-out and revokes nothing", async () => {
    const jar = new CookieJar();
    await signIn(oauth.routes, jar);
    const response = await call(oauth.routes.logout, "/api/auth/chutes/logout", { method: "POST", jar, headers: { origin: "https://evil.example" } });
    expect(response.status).toBe(403);
    expect(oauth.fakes.oauth.issued.revoked).toEqual([]);
    expect((await status(oauth.routes, jar)).chutes.oauth).toEqual({ username: "alice" });
  });
});
