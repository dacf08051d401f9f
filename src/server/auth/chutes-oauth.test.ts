import { afterAll, afterEach, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/src/server/env";
import { authorizationUrl, chutesOAuth } from "@/src/server/auth/chutes-oauth";
import { OAuthFlowError } from "@/src/server/auth/oauth-failure";

const base = {
  APP_URL: "https://quire.example",
  SESSION_SECRET: "unit-test-secret-that-is-long-enough-for-quire",
  LOG_LEVEL: "silent",
  CHUTES_OAUTH_CLIENT_ID: "cid_unittest000000000000000",
  CHUTES_OAUTH_CLIENT_SECRET: "",
  CHUTES_IDP_URL: "https://idp.chutes.example",
  QUIRE_UNSAFE_ALLOW_HTTP_IDP: "",
};

function useEnv(overrides: Record<string, string>) {
  Object.assign(process.env, base, overrides);
  resetEnvForTests();
}

const saved = Object.fromEntries(Object.keys(base).map((name) => [name, process.env[name]]));
afterEach(() => useEnv({}));
afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  resetEnvForTests();
});

function reasonOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof OAuthFlowError ? error.reason : "other";
  }
  return undefined;
}

describe("chutesOAuth builds the IDP metadata from CHUTES_IDP_URL (§1.7), failing closed", () => {
  it("uses issuer = CHUTES_IDP_URL and the /idp endpoints, without discovery", () => {
    useEnv({});
    const config = chutesOAuth();
    expect(config.authorizationServer).toMatchObject({
      issuer: "https://idp.chutes.example",
      authorization_endpoint: "https://idp.chutes.example/idp/authorize",
      token_endpoint: "https://idp.chutes.example/idp/token",
      userinfo_endpoint: "https://idp.chutes.example/idp/userinfo",
      revocation_endpoint: "https://idp.chutes.example/idp/token/revoke",
    });
    expect(config.redirectUri).toBe("https://quire.example/api/auth/chutes/callback");
    expect(config.client.token_endpoint_auth_method).toBe("none");
  });

  it("authenticates with client_secret_post when a secret is configured", () => {
    useEnv({ CHUTES_OAUTH_CLIENT_SECRET: "csc_secret" });
    expect(chutesOAuth().client.token_endpoint_auth_method).toBe("client_secret_post");
  });

  it("is not_configured without a client id", () => {
    useEnv({ CHUTES_OAUTH_CLIENT_ID: "" });
    expect(reasonOf(() => chutesOAuth())).toBe("not_configured");
  });

  it("refuses an http:// IDP unless QUIRE_UNSAFE_ALLOW_HTTP_IDP is set", () => {
    useEnv({ CHUTES_IDP_URL: "http://127.0.0.1:4010/chutes/api" });
    expect(reasonOf(() => chutesOAuth())).toBe("misconfigured");
    useEnv({ CHUTES_IDP_URL: "http://127.0.0.1:4010/chutes/api", QUIRE_UNSAFE_ALLOW_HTTP_IDP: "1" });
    expect(reasonOf(() => chutesOAuth())).toBeUndefined();
  });

  it("builds the authorize URL with every §1.7 parameter and S256", () => {
    useEnv({ CHUTES_OAUTH_SCOPES: "openid profile chutes:invoke" });
    const url = authorizationUrl(chutesOAuth(), "the-state", "the-challenge");
    expect(url.origin + url.pathname).toBe("https://idp.chutes.example/idp/authorize");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: "code",
      client_id: "cid_unittest000000000000000",
      redirect_uri: "https://quire.example/api/auth/chutes/callback",
      scope: "openid profile chutes:invoke",
      state: "the-state",
      code_challenge: "the-challenge",
      code_challenge_method: "S256",
    });
  });
});
