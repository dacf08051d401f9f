import "server-only";
import * as oauth from "oauth4webapi";
import { z } from "zod";
import { OAuthFlowError } from "@/src/server/auth/oauth-failure";
import { env, type Env } from "@/src/server/env";
import { log } from "@/src/server/log";

/**
 * The Chutes IDP client (PROTOCOLS.md §1.7): OAuth 2.0 authorization code grant
 * with PKCE S256, refresh with rotation, userinfo and revocation, all through
 * oauth4webapi. There is no id_token, so this is plain OAuth 2.0, not OIDC.
 */
export interface ChutesOAuth {
  authorizationServer: oauth.AuthorizationServer;
  client: oauth.Client;
  clientAuth: oauth.ClientAuth;
  redirectUri: string;
  scope: string;
  /** Timeout, and http:// only when QUIRE_UNSAFE_ALLOW_HTTP_IDP is set. */
  requestOptions: () => { signal: AbortSignal; [oauth.allowInsecureRequests]: boolean };
}

/** What the session keeps of a token response. */
export interface TokenSet {
  accessToken: string;
  /** Null when the IDP sent none; the session then ends with the access token. */
  refreshToken: string | null;
  /** Epoch milliseconds. */
  accessExpiresAt: number;
  scope: string | null;
}

/** PROTOCOLS.md §1.7: the IDP answers `{sub, username, created_at}`; only `cak_` tokens. */
const userInfoSchema = z.object({ sub: z.string().min(1), username: z.string().nullish() });
export type ChutesUser = { sub: string; username: string | null };

/** QC and the IDP both default to one hour when `expires_in` is missing. */
const DEFAULT_EXPIRES_IN_SECONDS = 3600;

let warnedInsecure = false;
let cached: { source: Env; value: ChutesOAuth } | undefined;

/**
 * The IDP metadata, built from CHUTES_IDP_URL without a discovery request (issuer =
 * CHUTES_IDP_URL, endpoints under /idp). Fails closed: not configured → `not_configured`;
 * an http:// IDP without QUIRE_UNSAFE_ALLOW_HTTP_IDP → `misconfigured`.
 */
export function chutesOAuth(): ChutesOAuth {
  const config = env();
  if (cached?.source === config) return cached.value;
  const clientId = config.CHUTES_OAUTH_CLIENT_ID;
  if (clientId === undefined) throw new OAuthFlowError("not_configured");
  const issuer = config.CHUTES_IDP_URL;
  const insecure = new URL(issuer).protocol === "http:";
  if (insecure && !config.QUIRE_UNSAFE_ALLOW_HTTP_IDP) {
    log().error(
      { idp: issuer },
      "Sign in with Chutes refused: CHUTES_IDP_URL is http://. Use https, or set QUIRE_UNSAFE_ALLOW_HTTP_IDP=1 for a local test IDP only.",
    );
    throw new OAuthFlowError("misconfigured");
  }
  if (insecure && !warnedInsecure) {
    warnedInsecure = true;
    log().warn(
      { idp: issuer },
      "UNSAFE: QUIRE_UNSAFE_ALLOW_HTTP_IDP is set, so OAuth tokens travel over plain http. Never use this in production.",
    );
  }
  const secret = config.CHUTES_OAUTH_CLIENT_SECRET;
  const timeoutMs = config.QUIRE_VALIDATION_TIMEOUT_MS;
  const value: ChutesOAuth = {
    authorizationServer: {
      issuer,
      authorization_endpoint: `${issuer}/idp/authorize`,
      token_endpoint: `${issuer}/idp/token`,
      userinfo_endpoint: `${issuer}/idp/userinfo`,
      revocation_endpoint: `${issuer}/idp/token/revoke`,
      introspection_endpoint: `${issuer}/idp/token/introspect`,
      code_challenge_methods_supported: ["S256"],
    },
    client: { client_id: clientId, token_endpoint_auth_method: secret ? "client_secret_post" : "none" },
    // A public client (no secret) relies on PKCE alone, which the IDP accepts (§1.7).
    clientAuth: secret ? oauth.ClientSecretPost(secret) : oauth.None(),
    redirectUri: `${config.APP_URL}/api/auth/chutes/callback`,
    scope: config.CHUTES_OAUTH_SCOPES,
    requestOptions: () => ({ signal: AbortSignal.timeout(timeoutMs), [oauth.allowInsecureRequests]: insecure }),
  };
  cached = { source: config, value };
  return value;
}

/** The authorize URL: `response_type=code`, client, redirect, scope, state and an S256 challenge. */
export function authorizationUrl(config: ChutesOAuth, state: string, codeChallenge: string): URL {
  const url = new URL(String(config.authorizationServer.authorization_endpoint));
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", config.client.client_id);
  url.searchParams.set("redirect_uri", config.redirectUri);
  url.searchParams.set("scope", config.scope);
  url.searchParams.set("state", state);
  url.searchParams.set("code_challenge", codeChallenge);
  url.searchParams.set("code_challenge_method", "S256");
  return url;
}

function toTokenSet(response: oauth.TokenEndpointResponse): TokenSet {
  // oauth4webapi also accepts DPoP-bound tokens; Chutes issues Bearer only, and we send Bearer only.
  if (response.token_type !== "bearer") throw new OAuthFlowError("code_rejected");
  return {
    accessToken: response.access_token,
    refreshToken: response.refresh_token ?? null,
    accessExpiresAt: Date.now() + (response.expires_in ?? DEFAULT_EXPIRES_IN_SECONDS) * 1000,
    scope: response.scope ?? null,
  };
}

/** An OAuth error body from the token endpoint (e.g. `invalid_grant`) as opposed to a transport failure. */
export function isTokenEndpointRejection(error: unknown): error is oauth.ResponseBodyError {
  return error instanceof oauth.ResponseBodyError;
}

/**
 * Checks the callback (state, then `error=`), then redeems the code with the PKCE
 * verifier (§1.7 Token, `grant_type=authorization_code`). Each failure is an OAuthFlowError.
 */
export async function redeemCallback(config: ChutesOAuth, callback: URLSearchParams, expected: { state: string; verifier: string }): Promise<TokenSet> {
  let params: URLSearchParams;
  try {
    params = oauth.validateAuthResponse(config.authorizationServer, config.client, callback, expected.state);
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError) {
      throw new OAuthFlowError(error.error === "access_denied" ? "access_denied" : "authorization_failed", error);
    }
    throw new OAuthFlowError("state_mismatch", error);
  }
  const { authorizationServer: as, client, clientAuth } = config;
  let response: Response;
  try {
    response = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, config.redirectUri, expected.verifier, config.requestOptions());
  } catch (error) {
    // Refused before anything was sent (no code, or `code` given twice): the callback is malformed, the IDP is fine.
    if (error instanceof oauth.OperationProcessingError) throw new OAuthFlowError("authorization_failed", error);
    throw new OAuthFlowError("idp_unavailable", error);
  }
  try {
    return toTokenSet(await oauth.processAuthorizationCodeResponse(as, client, response));
  } catch (error) {
    if (error instanceof OAuthFlowError) throw error;
    throw new OAuthFlowError(isTokenEndpointRejection(error) ? "code_rejected" : "idp_unavailable", error);
  }
}

/**
 * `grant_type=refresh_token` (§1.7). Chutes rotates refresh tokens: the answer carries a
 * new one and the old one is spent. Throws ResponseBodyError for `invalid_grant`.
 */
export async function refreshTokens(config: ChutesOAuth, refreshToken: string): Promise<TokenSet> {
  const { authorizationServer: as, client, clientAuth } = config;
  const response = await oauth.refreshTokenGrantRequest(as, client, clientAuth, refreshToken, config.requestOptions());
  return toTokenSet(await oauth.processRefreshTokenResponse(as, client, response));
}

/** `GET /idp/userinfo` (§1.7 Userinfo): `sub` and `username`. */
export async function fetchUserInfo(config: ChutesOAuth, accessToken: string): Promise<ChutesUser> {
  try {
    const { authorizationServer: as, client } = config;
    const response = await oauth.userInfoRequest(as, client, accessToken, config.requestOptions());
    const claims = await oauth.processUserInfoResponse(as, client, oauth.skipSubjectCheck, response);
    const user = userInfoSchema.parse(claims);
    return { sub: user.sub, username: user.username ?? null };
  } catch (error) {
    throw new OAuthFlowError("userinfo_failed", error);
  }
}

/** `POST /idp/token/revoke` (§1.7 Revoke); revoking either token ends the grant. */
export async function revokeToken(config: ChutesOAuth, token: string, hint: "access_token" | "refresh_token"): Promise<void> {
  const { authorizationServer: as, client, clientAuth } = config;
  const response = await oauth.revocationRequest(as, client, clientAuth, token, {
    ...config.requestOptions(),
    additionalParameters: { token_type_hint: hint },
  });
  await oauth.processRevocationResponse(response);
}
