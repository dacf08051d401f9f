import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeProviders, type FakeProviders } from "./server";
import { CHUTES_MODEL, chatBody, pkcePair, postForm, postJson } from "./test-support";

const PUBLIC_CLIENT = { clientId: "cid_quiretestpublic0000000000", redirectUris: ["http://localhost:3000/api/auth/chutes/callback"] };
const CONFIDENTIAL_CLIENT = {
  clientId: "cid_quiretestconfidential000",
  clientSecret: "csc_secret",
  redirectUris: ["http://localhost:3000/cb"],
};
const REDIRECT = PUBLIC_CLIENT.redirectUris[0] ?? "";

let fakes: FakeProviders;
beforeAll(async () => {
  fakes = await startFakeProviders({ oauthClients: [PUBLIC_CLIENT, CONFIDENTIAL_CLIENT] });
});
afterAll(() => fakes.close());
beforeEach(() => fakes.reset());

async function authorize(params: Record<string, string>): Promise<Response> {
  const url = new URL(`${fakes.chutesIdpUrl}/idp/authorize`);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return fetch(url, { redirect: "manual" });
}

/** Runs authorize with PKCE and returns the code and verifier. */
async function authorizeWithPkce(scope = "openid profile chutes:invoke"): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkcePair();
  const response = await authorize({
    response_type: "code",
    client_id: PUBLIC_CLIENT.clientId,
    redirect_uri: REDIRECT,
    scope,
    state: "state-123",
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get("location") ?? "");
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
  expect(location.searchParams.get("state")).toBe("state-123");
  return { code: location.searchParams.get("code") ?? "", verifier };
}

function exchangeCode(code: string, verifier: string, overrides: Record<string, string> = {}): Promise<Response> {
  return postForm(`${fakes.chutesIdpUrl}/idp/token`, {
    grant_type: "authorization_code",
    code,
    redirect_uri: REDIRECT,
    client_id: PUBLIC_CLIENT.clientId,
    code_verifier: verifier,
    ...overrides,
  });
}

async function signIn(scope?: string): Promise<{ access_token: string; refresh_token: string }> {
  const { code, verifier } = await authorizeWithPkce(scope);
  return (await exchangeCode(code, verifier)).json();
}

describe("authorize (PROTOCOLS §1.7)", () => {
  it("serves discovery pointing at the fake", async () => {
    const response = await fetch(`${fakes.chutesIdpUrl}/.well-known/openid-configuration`);
    expect(await response.json()).toMatchObject({
      issuer: fakes.chutesIdpUrl,
      authorization_endpoint: `${fakes.chutesIdpUrl}/idp/authorize`,
      token_endpoint: `${fakes.chutesIdpUrl}/idp/token`,
      code_challenge_methods_supported: ["plain", "S256"],
    });
  });

  it("redirects with a 64-character code and the state", async () => {
    const { code } = await authorizeWithPkce();
    expect(code).toMatch(/^[A-Za-z0-9]{64}$/);
  });

  it("answers invalid requests with HTML 400 pages, not redirects", async () => {
    const base = { response_type: "code", client_id: PUBLIC_CLIENT.clientId, redirect_uri: REDIRECT };
    const cases: [Record<string, string>, string][] = [
      [{ ...base, response_type: "token" }, "unsupported_response_type"],
      [{ ...base, client_id: "cid_unknown" }, "invalid_client"],
      [{ ...base, redirect_uri: "http://localhost:3000/elsewhere" }, "invalid_redirect_uri"],
      [{ ...base, code_challenge: "x", code_challenge_method: "S512" }, "invalid_request"],
    ];
    for (const [params, error] of cases) {
      const response = await authorize(params);
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await response.text()).toContain(error);
    }
  });

  it("redirects with access_denied when denial is switched on", async () => {
    fakes.oauth.setDeny(true);
    const response = await authorize({ response_type: "code", client_id: PUBLIC_CLIENT.clientId, redirect_uri: REDIRECT, state: "s" });
    expect(response.headers.get("location")).toBe(`${REDIRECT}?error=access_denied&error_description=User+denied+the+request&state=s`);
  });

  it("redirects with invalid_scope for unknown and unregistered privileged scopes", async () => {
    const unknown = await authorize({ response_type: "code", client_id: PUBLIC_CLIENT.clientId, redirect_uri: REDIRECT, scope: "profile x" });
    expect(unknown.headers.get("location")).toContain("error=invalid_scope&error_description=Unknown+scope%3A+x");
    const privileged = await authorize({ response_type: "code", client_id: PUBLIC_CLIENT.clientId, redirect_uri: REDIRECT, scope: "admin" });
    expect(new URL(privileged.headers.get("location") ?? "").searchParams.get("error_description")).toBe(
      "Scope 'admin' requires explicit app registration",
    );
  });
});

describe("token endpoint", () => {
  it("exchanges a code with PKCE S256 for cak_/crt_ tokens", async () => {
    const { code, verifier } = await authorizeWithPkce();
    const response = await exchangeCode(code, verifier);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({
      access_token: expect.stringMatching(/^cak_[A-Za-z0-9]{64}$/),
      token_type: "Bearer",
      expires_in: 3600,
      refresh_token: expect.stringMatching(/^crt_[A-Za-z0-9]{64}$/),
      scope: "openid profile chutes:invoke",
    });
    expect(fakes.oauth.issued.accessTokens).toEqual([body.access_token]);
    expect(fakes.oauth.tokenCalls("authorization_code")).toHaveLength(1);
    expect(fakes.oauth.tokenCalls("refresh_token")).toHaveLength(0);
  });

  it("rejects a replayed code with invalid_grant", async () => {
    const { code, verifier } = await authorizeWithPkce();
    expect((await exchangeCode(code, verifier)).status).toBe(200);
    const replay = await exchangeCode(code, verifier);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toEqual({ error: "invalid_grant" });
  });

  it("rejects a wrong verifier, a missing verifier and a mismatched redirect_uri (each spends the code)", async () => {
    const cases: Record<string, string>[] = [{ code_verifier: "wrong" }, { code_verifier: "" }, { redirect_uri: "http://localhost:3000/other" }];
    for (const overrides of cases) {
      const { code, verifier } = await authorizeWithPkce();
      const response = await exchangeCode(code, verifier, overrides);
      expect(await response.json()).toEqual({ error: "invalid_grant" });
      expect((await exchangeCode(code, verifier)).status).toBe(400);
    }
  });

  it("accepts plain PKCE, and a confidential client's secret via HTTP Basic without PKCE", async () => {
    const plain = await authorize({ response_type: "code", client_id: PUBLIC_CLIENT.clientId, redirect_uri: REDIRECT, code_challenge: "v".repeat(43), code_challenge_method: "plain" });
    const plainCode = new URL(plain.headers.get("location") ?? "").searchParams.get("code") ?? "";
    expect((await exchangeCode(plainCode, "v".repeat(43))).status).toBe(200);

    const confidential = await authorize({ response_type: "code", client_id: CONFIDENTIAL_CLIENT.clientId, redirect_uri: "http://localhost:3000/cb" });
    const code = new URL(confidential.headers.get("location") ?? "").searchParams.get("code") ?? "";
    const basic = `Basic ${Buffer.from(`${CONFIDENTIAL_CLIENT.clientId}:wrong`).toString("base64")}`;
    const fields = { grant_type: "authorization_code", code, redirect_uri: "http://localhost:3000/cb", client_id: CONFIDENTIAL_CLIENT.clientId };
    expect(await (await postForm(`${fakes.chutesIdpUrl}/idp/token`, fields, basic)).json()).toEqual({ error: "invalid_client" });

    const again = await authorize({ response_type: "code", client_id: CONFIDENTIAL_CLIENT.clientId, redirect_uri: "http://localhost:3000/cb" });
    const goodFields = { ...fields, code: new URL(again.headers.get("location") ?? "").searchParams.get("code") ?? "" };
    const good = `Basic ${Buffer.from(`${CONFIDENTIAL_CLIENT.clientId}:csc_secret`).toString("base64")}`;
    expect((await postForm(`${fakes.chutesIdpUrl}/idp/token`, goodFields, good)).status).toBe(200);
  });

  it("reports missing parameters and unknown grant types", async () => {
    const missing = await postForm(`${fakes.chutesIdpUrl}/idp/token`, { grant_type: "authorization_code" });
    expect(await missing.json()).toEqual({ error: "invalid_request", error_description: "Missing required parameters" });
    expect(await (await postForm(`${fakes.chutesIdpUrl}/idp/token`, { grant_type: "password" })).json()).toEqual({ error: "unsupported_grant_type" });
    expect((await postForm(`${fakes.chutesIdpUrl}/idp/token`, {})).status).toBe(422);
  });

  it("rotates refresh tokens and rejects reuse of an old one", async () => {
    const first = await signIn();
    const refresh = (token: string) =>
      postForm(`${fakes.chutesIdpUrl}/idp/token`, { grant_type: "refresh_token", refresh_token: token, client_id: PUBLIC_CLIENT.clientId });
    const rotated = await refresh(first.refresh_token);
    expect(rotated.status).toBe(200);
    const second = await rotated.json();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    const reuse = await refresh(first.refresh_token);
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toEqual({ error: "invalid_grant" });
    expect((await refresh(second.refresh_token)).status).toBe(200);
    expect(fakes.oauth.tokenCalls("refresh_token")).toHaveLength(3);
    expect(fakes.oauth.issued.refreshTokens).toHaveLength(3);
  });
});

describe("using tokens", () => {
  it("userinfo accepts only cak_ tokens", async () => {
    const { access_token } = await signIn();
    const ok = await fetch(`${fakes.chutesIdpUrl}/idp/userinfo`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(await ok.json()).toEqual({ sub: expect.stringMatching(/^[0-9a-f-]{36}$/), username: "alice", created_at: "2025-03-01T12:00:00" });
    const key = await fetch(`${fakes.chutesIdpUrl}/idp/userinfo`, { headers: { authorization: `Bearer ${fakes.keys.chutesKey()}` } });
    expect([key.status, await key.json()]).toEqual([401, { detail: "Missing or invalid authorization header" }]);
  });

  it("cak_ tokens work for /users/me and chat; without chutes:invoke chat and embeddings get 403", async () => {
    const invoke = await signIn("openid profile chutes:invoke");
    const me = await fetch(`${fakes.chutesApiUrl}/users/me`, { headers: { authorization: `Bearer ${invoke.access_token}` } });
    expect((await me.json()).username).toBe("alice");
    const chat = await postJson(`${fakes.chutesLlmUrl}/chat/completions`, chatBody("hi", { model: CHUTES_MODEL }), `Bearer ${invoke.access_token}`);
    expect(chat.status).toBe(200);

    const profileOnly = await signIn("openid profile");
    const denied = await postJson(`${fakes.chutesLlmUrl}/chat/completions`, chatBody("hi", { model: CHUTES_MODEL }), `Bearer ${profileOnly.access_token}`);
    expect([denied.status, await denied.json()]).toEqual([403, { detail: "Token does not have permission for this resource" }]);
    const embed = await postJson(`${fakes.chutesEmbedUrl}/embeddings`, { input: "x" }, `Bearer ${profileOnly.access_token}`);
    expect(embed.status).toBe(403);
  });

  it("expired and revoked tokens stop working", async () => {
    const first = await signIn();
    fakes.oauth.expireAccessTokens();
    const expired = await postJson(`${fakes.chutesLlmUrl}/chat/completions`, chatBody("hi", { model: CHUTES_MODEL }), `Bearer ${first.access_token}`);
    expect([expired.status, await expired.json()]).toEqual([401, { detail: "Authentication required." }]);
    const userinfo = await fetch(`${fakes.chutesIdpUrl}/idp/userinfo`, { headers: { authorization: `Bearer ${first.access_token}` } });
    expect(await userinfo.json()).toEqual({ detail: "Invalid or expired token" });

    const second = await signIn();
    const revoked = await postForm(`${fakes.chutesIdpUrl}/idp/token/revoke`, { token: second.access_token, token_type_hint: "access_token" });
    expect(await revoked.json()).toEqual({ revoked: true });
    expect(fakes.oauth.issued.revoked).toEqual([second.access_token]);
    const me = await fetch(`${fakes.chutesApiUrl}/users/me`, { headers: { authorization: `Bearer ${second.access_token}` } });
    expect([me.status, await me.json()]).toEqual([401, { detail: "Can't find a user with that api key in our db :(" }]);
    // Revocation kills the whole grant, refresh token included.
    const refresh = await postForm(`${fakes.chutesIdpUrl}/idp/token`, { grant_type: "refresh_token", refresh_token: second.refresh_token, client_id: PUBLIC_CLIENT.clientId });
    expect(refresh.status).toBe(400);
  });

  it("honours a shorter access token lifetime", async () => {
    fakes.oauth.setAccessTokenTtlSeconds(0);
    const { access_token } = await signIn();
    const me = await fetch(`${fakes.chutesApiUrl}/users/me`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(me.status).toBe(401);
  });

  it("introspects active and inactive tokens", async () => {
    const { access_token, refresh_token } = await signIn();
    const active = await postForm(`${fakes.chutesIdpUrl}/idp/token/introspect`, { token: access_token });
    expect(await active.json()).toMatchObject({ active: true, token_type: "access_token", client_id: PUBLIC_CLIENT.clientId, username: "alice" });
    const refresh = await postForm(`${fakes.chutesIdpUrl}/idp/token/introspect`, { token: refresh_token });
    expect((await refresh.json()).token_type).toBe("refresh_token");
    expect(await (await postForm(`${fakes.chutesIdpUrl}/idp/token/introspect`, { token: "cak_nope" })).json()).toEqual({ active: false });
  });

  it("accepts any client when none is registered", async () => {
    const open = await startFakeProviders();
    try {
      const { challenge, verifier } = pkcePair();
      const redirect = "http://127.0.0.1:9/cb";
      const url = `${open.chutesIdpUrl}/idp/authorize?response_type=code&client_id=cid_anything&redirect_uri=${encodeURIComponent(redirect)}&code_challenge=${challenge}&code_challenge_method=S256`;
      const response = await fetch(url, { redirect: "manual" });
      const code = new URL(response.headers.get("location") ?? "").searchParams.get("code") ?? "";
      const token = await postForm(`${open.chutesIdpUrl}/idp/token`, { grant_type: "authorization_code", code, redirect_uri: redirect, client_id: "cid_anything", code_verifier: verifier });
      expect(token.status).toBe(200);
    } finally {
      await open.close();
    }
  });
});
