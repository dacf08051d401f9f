import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { authStatusSchema } from "@/src/shared/auth";
import type { FakeProviders } from "@/test/fakes/server";
import { APP_ORIGIN, call, CookieJar, startAppEnvironment, userMessage } from "@/test/support/app-harness";

/** Helpers for the OAuth integration tests: the fake IDP's client, and a scripted sign-in. */
export const CLIENT_ID = "cid_quireintegration0000000";
export const REDIRECT_URI = `${APP_ORIGIN}/api/auth/chutes/callback`;

export async function startOAuthEnvironment(extraEnv: Record<string, string> = {}) {
  return startAppEnvironment(
    { CHUTES_OAUTH_CLIENT_ID: CLIENT_ID, QUIRE_UNSAFE_ALLOW_HTTP_IDP: "1", QUIRE_MAX_RETRY_WAIT_MS: "200", ...extraEnv },
    { oauthClients: [{ clientId: CLIENT_ID, redirectUris: [REDIRECT_URI] }] },
  );
}

type Handler = Parameters<typeof call>[0];

export interface OAuthRoutes {
  login: Handler;
  callback: Handler;
  logout: Handler;
  status: Handler;
  chat: Handler;
  chutesKey: { POST: Handler; DELETE: Handler };
}

/** Imports the route handlers after the env points at the fakes. */
export async function loadRoutes(): Promise<OAuthRoutes> {
  const [login, callback, logout, status, chat, chutesKey] = await Promise.all([
    import("@/app/api/auth/chutes/login/route"),
    import("@/app/api/auth/chutes/callback/route"),
    import("@/app/api/auth/chutes/logout/route"),
    import("@/app/api/auth/status/route"),
    import("@/app/api/chat/route"),
    import("@/app/api/auth/chutes/key/route"),
  ]);
  return { login: login.GET, callback: callback.GET, logout: logout.POST, status: status.GET, chat: chat.POST, chutesKey };
}

/** Login, then the fake's auto-approving authorize; returns the callback path and query, not yet called. */
export async function authorize(routes: OAuthRoutes, jar: CookieJar, returnTo = "/"): Promise<string> {
  const login = await call(routes.login, `/api/auth/chutes/login?returnTo=${encodeURIComponent(returnTo)}`, { jar });
  expect(login.status).toBe(302);
  const idp = await fetch(login.headers.get("location") ?? "", { redirect: "manual" });
  expect(idp.status).toBe(302);
  const back = new URL(idp.headers.get("location") ?? "");
  expect(back.origin + back.pathname).toBe(REDIRECT_URI);
  return `${back.pathname}${back.search}`;
}

/** The full sign-in; returns the callback's answer (a redirect). */
export async function signIn(routes: OAuthRoutes, jar: CookieJar, returnTo = "/"): Promise<Response> {
  return call(routes.callback, await authorize(routes, jar, returnTo), { jar });
}

/** Where a callback answer redirects to, relative to the app. */
export function redirectTarget(response: Response): { path: string; reason: string | null } {
  const location = new URL(response.headers.get("location") ?? "", APP_ORIGIN);
  expect(location.origin).toBe(APP_ORIGIN);
  return { path: location.pathname, reason: location.searchParams.get("reason") };
}

export function chat(routes: OAuthRoutes, jar: CookieJar, body: Record<string, unknown> = {}) {
  return call(routes.chat, "/api/chat", { method: "POST", jar, body: { messages: [userMessage("How do I run a node?")], ...body } });
}

export async function saveChutesKey(routes: OAuthRoutes, jar: CookieJar, key: string) {
  const response = await call(routes.chutesKey.POST, "/api/auth/chutes/key", { method: "POST", jar, body: { apiKey: key } });
  expect(response.status).toBe(200);
}

export async function status(routes: OAuthRoutes, jar: CookieJar) {
  const response = await call(routes.status, "/api/auth/status", { jar });
  return authStatusSchema.parse(await response.json());
}

/** The Authorization header of each upstream call to a path, in order. */
export function authorizations(fakes: FakeProviders, path: "/chat/completions" | "/embeddings"): (string | null)[] {
  return fakes.requests.filter((request) => request.path === path).map((request) => request.authorization);
}

/** Spends a refresh token at the IDP, as another Quire instance or a stolen copy would. */
export async function spendRefreshToken(fakes: FakeProviders, refreshToken: string): Promise<void> {
  const response = await fetch(`${fakes.chutesIdpUrl}/idp/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: CLIENT_ID }),
  });
  expect(response.status).toBe(200);
}

export interface OAuthTestContext {
  fakes: FakeProviders;
  routes: OAuthRoutes;
}

/**
 * Registers the hooks of an OAuth test file: the environment and routes once, a
 * clean fake (and any extra reset) before each test.
 */
export function setUpOAuthTests(extraReset: () => void = () => undefined): OAuthTestContext {
  const context = {} as OAuthTestContext;
  beforeAll(async () => {
    ({ fakes: context.fakes } = await startOAuthEnvironment());
    context.routes = await loadRoutes();
  });
  afterAll(() => context.fakes.close());
  beforeEach(() => {
    context.fakes.reset();
    extraReset();
  });
  return context;
}
