import { createHash } from "node:crypto";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { APP_ORIGIN, call, CookieJar } from "@/test/support/app-harness";
import {
  authorize,
  CLIENT_ID,
  REDIRECT_URI,
  redirectTarget,
  signIn,
  setUpOAuthTests,
  status,
} from "@/test/integration/oauth-support";
import { resetEnvForTests } from "@/src/server/env";

const oauth = setUpOAuthTests();

/** Runs with some env changed, then puts it back. */
async function withEnv(overrides: Record<string, string>, run: () => Promise<void>): Promise<void> {
  const saved = Object.fromEntries(Object.keys(overrides).map((name) => [name, process.env[name]]));
  Object.assign(process.env, overrides);
  resetEnvForTests();
  try {
    await run();
  } finally {
    Object.assign(process.env, saved);
    resetEnvForTests();
  }
}

function setCookie(response: Response, name: string): string | undefined {
  return response.headers.getSetCookie().find((header) => header.startsWith(`${name}=`));
}

describe("GET /api/auth/chutes/login", () => {
  it("seals state and a PKCE verifier in a short-lived cookie and redirects to /idp/authorize (§1.7)", async () => {
    const response = await call(oauth.routes.login, "/api/auth/chutes/login?returnTo=/settings", { jar: new CookieJar() });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location") ?? "");
    expect(location.origin + location.pathname).toBe(`${oauth.fakes.chutesIdpUrl}/idp/authorize`);
    const query = Object.fromEntries(location.searchParams);
    expect(query).toMatchObject({
      response_type: "code",
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      scope: "openid profile chutes:invoke",
      code_challenge_method: "S256",
    });
    expect(query.state?.length).toBeGreaterThanOrEqual(32);
    expect(query.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const flow = setCookie(response, "quire_chutes_oauth_flow") ?? "";
    expect(flow).toMatch(/HttpOnly/);
    expect(flow).toMatch(/SameSite=Lax/);
    expect(flow).toMatch(/Max-Age=600/);
    expect(flow).toMatch(/Path=\/api\/auth\/chutes/);
    // Sealed: neither the state nor anything verifier-like is readable in the cookie.
    expect(flow).not.toContain(query.state);
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("lands on the friendly page when no OAuth client is configured", async () => {
    await withEnv({ CHUTES_OAUTH_CLIENT_ID: "" }, async () => {
      const response = await call(oauth.routes.login, "/api/auth/chutes/login", { jar: new CookieJar() });
      expect(redirectTarget(response)).toEqual({ path: "/auth/error", reason: "not_configured" });
      expect(setCookie(response, "quire_chutes_oauth_flow")).toBeUndefined();
    });
  });

  it("fails closed on an http:// IDP without QUIRE_UNSAFE_ALLOW_HTTP_IDP", async () => {
    await withEnv({ QUIRE_UNSAFE_ALLOW_HTTP_IDP: "" }, async () => {
      const response = await call(oauth.routes.login, "/api/auth/chutes/login", { jar: new CookieJar() });
      expect(redirectTarget(response)).toEqual({ path: "/auth/error", reason: "misconfigured" });
    });
  });
});

describe("GET /api/auth/chutes/callback", () => {
  it("redeems the code with the verifier, reads userinfo, stores a sealed session and returns to returnTo", async () => {
    const jar = new CookieJar();
    const login = await call(oauth.routes.login, "/api/auth/chutes/login?returnTo=%2Fsettings%3Ftab%3D1", { jar });
    const challenge = new URL(login.headers.get("location") ?? "").searchParams.get("code_challenge");
    const idp = await fetch(login.headers.get("location") ?? "", { redirect: "manual" });
    const back = new URL(idp.headers.get("location") ?? "");
    const response = await call(oauth.routes.callback, back.pathname + back.search, { jar });

    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(`${APP_ORIGIN}/settings?tab=1`);
    const [exchange] = oauth.fakes.oauth.tokenCalls("authorization_code");
    const form = exchange?.body as Record<string, string>;
    expect(form).toMatchObject({ grant_type: "authorization_code", client_id: CLIENT_ID, redirect_uri: REDIRECT_URI });
    expect(createHash("sha256").update(form.code_verifier ?? "").digest("base64url")).toBe(challenge);
    expect(oauth.fakes.requests.find((request) => request.path === "/idp/userinfo")?.authorization).toBe(`Bearer ${oauth.fakes.oauth.issued.accessTokens[0]}`);

    const session = setCookie(response, "quire_chutes_session") ?? "";
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).not.toMatch(/cak_|crt_/);
    expect(setCookie(response, "quire_chutes_oauth_flow")).toMatch(/Max-Age=0/);
    expect((await status(oauth.routes, jar)).chutes).toMatchObject({ active: "oauth", oauth: { username: "alice" }, sessionExpired: false });
  });

  it("refuses a state that does not match the flow cookie, without redeeming the code", async () => {
    const jar = new CookieJar();
    const path = (await authorize(oauth.routes, jar)).replace(/state=[^&]+/, "state=forged-state-value");
    const response = await call(oauth.routes.callback, path, { jar });
    expect(redirectTarget(response)).toEqual({ path: "/auth/error", reason: "state_mismatch" });
    expect(oauth.fakes.oauth.tokenCalls()).toHaveLength(0);
    expect(setCookie(response, "quire_chutes_session")).toBeUndefined();
  });

  it("refuses a callback without the verifier cookie, without redeeming the code", async () => {
    const path = await authorize(oauth.routes, new CookieJar());
    const response = await call(oauth.routes.callback, path, { jar: new CookieJar() });
    expect(redirectTarget(response)).toEqual({ path: "/auth/error", reason: "missing_flow" });
    expect(oauth.fakes.oauth.tokenCalls()).toHaveLength(0);
  });

  it("refuses a replayed code even with the original flow cookie", async () => {
    const jar = new CookieJar();
    const path = await authorize(oauth.routes, jar);
    const flowCookie = jar.header();
    expect((await call(oauth.routes.callback, path, { jar })).status).toBe(303);
    const replay = await call(oauth.routes.callback, path, { headers: { cookie: flowCookie } });
    expect(redirectTarget(replay)).toEqual({ path: "/auth/error", reason: "code_rejected" });
    expect(oauth.fakes.oauth.tokenCalls("authorization_code").map((request) => request.status)).toEqual([200, 400]);
    expect(setCookie(replay, "quire_chutes_session")).toBeUndefined();
  });

  it("refuses a code redeemed for another redirect_uri", async () => {
    const jar = new CookieJar();
    const path = await authorize(oauth.routes, jar);
    // The request still reaches this host; only the redirect_uri Quire derives from APP_URL differs.
    await withEnv({ APP_URL: "http://localhost:4999", QUIRE_ALLOWED_HOSTS: "localhost:3999" }, async () => {
      const response = await call(oauth.routes.callback, path, { jar });
      expect(new URL(response.headers.get("location") ?? "").searchParams.get("reason")).toBe("code_rejected");
    });
  });

  it("sends access_denied to the friendly page, which explains it and offers a retry", async () => {
    oauth.fakes.oauth.setDeny(true);
    const jar = new CookieJar();
    const response = await signIn(oauth.routes, jar, "/settings");
    expect(redirectTarget(response)).toEqual({ path: "/auth/error", reason: "access_denied" });
    expect(oauth.fakes.oauth.tokenCalls()).toHaveLength(0);
    expect((await status(oauth.routes, jar)).chutes.oauth).toBeNull();

    const { default: AuthErrorPage } = await import("@/app/auth/error/page");
    const query = Object.fromEntries(new URL(response.headers.get("location") ?? "").searchParams);
    const html = renderToStaticMarkup(await AuthErrorPage({ searchParams: Promise.resolve(query) }));
    expect(html).toContain("Sign-in was cancelled");
    expect(html).toContain('href="/api/auth/chutes/login?returnTo=%2Fsettings"');
    expect(html).not.toContain("{");
  });

  it.each([["https://evil.example"], ["//evil.example"], ["/\\evil.example"], ["https:evil.example"]])(
    "never redirects off-site: returnTo=%s goes to /",
    async (returnTo) => {
      const response = await signIn(oauth.routes, new CookieJar(), returnTo);
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toBe(`${APP_ORIGIN}/`);
    },
  );
});
