import { createHash } from "node:crypto";
import { randomAlphanumeric, uuidFromSeed } from "./keys";
import type { FakeOAuth, FakeOAuthClient, RecordedRequest } from "./types";

/** PROTOCOLS §1.7: scopes the real IDP advertises. */
export const IDP_SCOPES = [
  "admin", "profile", "profile:read", "balance", "balance:read", "billing:read", "quota", "quota:read", "usage",
  "usage:read", "account:read", "account:write", "secrets:read", "secrets:write", "chutes:read", "chutes:write",
  "chutes:delete", "chutes:invoke", "images:read", "images:write", "images:delete", "invocations:read",
];

const CODE_TTL_MS = 600_000;
const REFRESH_TTL_MS = 30 * 24 * 3600 * 1000;

interface AuthorizationCode {
  clientId: string;
  redirectUri: string;
  scope: string;
  username: string;
  challenge: { value: string; method: "S256" | "plain" } | undefined;
  expiresAt: number;
}

/** One issued access/refresh pair; revoking either token revokes the grant. */
export interface TokenGrant {
  accessToken: string;
  refreshToken: string;
  clientId: string;
  scope: string;
  scopes: ReadonlySet<string>;
  username: string;
  userId: string;
  issuedAt: number;
  accessExpiresAt: number;
  refreshExpiresAt: number;
  refreshUsed: boolean;
  revoked: boolean;
}

export type AuthorizeOutcome =
  | { kind: "page"; error: string; description: string }
  | { kind: "redirect"; location: string };

export interface JsonOutcome {
  status: number;
  body: unknown;
}

const oauthError = (error: string, description?: string): JsonOutcome => ({
  status: 400,
  body: description === undefined ? { error } : { error, error_description: description },
});

function isPrivileged(scope: string): boolean {
  return scope === "admin" || scope === "billing:read" || scope.endsWith(":write");
}

function pkceMatches(challenge: NonNullable<AuthorizationCode["challenge"]>, verifier: string): boolean {
  if (challenge.method === "plain") return verifier === challenge.value;
  return createHash("sha256").update(verifier).digest("base64url") === challenge.value;
}

/** The fake Chutes IDP's state: clients, codes and token grants (PROTOCOLS §1.7). */
export class FakeIdp implements FakeOAuth {
  readonly issued = { accessTokens: [] as string[], refreshTokens: [] as string[], revoked: [] as string[] };
  private readonly clients = new Map<string, FakeOAuthClient>();
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly grantsByToken = new Map<string, TokenGrant>();
  private deny = false;
  private accessTtlSeconds = 3600;

  constructor(private readonly recordedRequests: () => RecordedRequest[]) {}

  registerClient(client: FakeOAuthClient): void {
    this.clients.set(client.clientId, { ...client, redirectUris: [...client.redirectUris] });
  }

  setDeny(deny: boolean): void {
    this.deny = deny;
  }

  setAccessTokenTtlSeconds(seconds: number): void {
    this.accessTtlSeconds = seconds;
  }

  expireAccessTokens(): void {
    const past = Date.now() - 1;
    for (const grant of this.grantsByToken.values()) grant.accessExpiresAt = Math.min(grant.accessExpiresAt, past);
  }

  tokenCalls(grantType?: "authorization_code" | "refresh_token"): RecordedRequest[] {
    return this.recordedRequests().filter((request) => {
      if (request.provider !== "chutes" || request.method !== "POST" || request.path !== "/idp/token") return false;
      if (grantType === undefined) return true;
      const body = request.body;
      return typeof body === "object" && body !== null && "grant_type" in body && body.grant_type === grantType;
    });
  }

  /** Forgets every code and grant; registered clients stay. */
  reset(): void {
    this.codes.clear();
    this.grantsByToken.clear();
    this.issued.accessTokens.length = 0;
    this.issued.refreshTokens.length = 0;
    this.issued.revoked.length = 0;
    this.deny = false;
    this.accessTtlSeconds = 3600;
  }

  /** GET /idp/authorize: validates, then auto-approves (or denies) with an immediate redirect. */
  authorize(query: Record<string, string>): AuthorizeOutcome {
    const page = (error: string, description: string): AuthorizeOutcome => ({ kind: "page", error, description });
    if (query.response_type !== "code") return page("unsupported_response_type", "Only response_type=code is supported.");
    const clientId = query.client_id ?? "";
    const client = this.clients.get(clientId);
    // With no registered clients any client id is accepted, so ad-hoc tests need no setup.
    if (clientId === "" || (this.clients.size > 0 && client === undefined)) return page("invalid_client", "Unknown client_id.");
    const redirectUri = query.redirect_uri ?? "";
    if (!this.redirectAllowed(client, redirectUri)) return page("invalid_redirect_uri", "redirect_uri is not registered for this client.");
    // RFC 7636: a challenge without a method is "plain".
    const requestedMethod = query.code_challenge_method ?? (query.code_challenge === undefined ? undefined : "plain");
    const method = requestedMethod === "S256" || requestedMethod === "plain" ? requestedMethod : undefined;
    if (requestedMethod !== undefined && method === undefined) return page("invalid_request", "Unsupported code_challenge_method.");
    if (method !== undefined && (query.code_challenge ?? "") === "") return page("invalid_request", "code_challenge is required.");

    const scope = (query.scope ?? "").trim() || "profile";
    const params = new URLSearchParams();
    const scopeError = this.scopeError(scope.split(/\s+/), client);
    if (this.deny) {
      params.set("error", "access_denied");
      params.set("error_description", "User denied the request");
    } else if (scopeError !== undefined) {
      params.set("error", "invalid_scope");
      params.set("error_description", scopeError);
    } else {
      const code = randomAlphanumeric(64);
      const challenge: AuthorizationCode["challenge"] =
        method === undefined ? undefined : { value: query.code_challenge ?? "", method };
      const username = query.login_hint ?? "alice";
      this.codes.set(code, { clientId, redirectUri, scope, username, challenge, expiresAt: Date.now() + CODE_TTL_MS });
      params.set("code", code);
    }
    if (query.state !== undefined) params.set("state", query.state);
    const location = new URL(redirectUri);
    for (const [name, value] of params) location.searchParams.set(name, value);
    return { kind: "redirect", location: location.toString() };
  }

  private redirectAllowed(client: FakeOAuthClient | undefined, redirectUri: string): boolean {
    if (client !== undefined) return client.redirectUris.includes(redirectUri);
    return URL.canParse(redirectUri) && /^https?:$/.test(new URL(redirectUri).protocol);
  }

  private scopeError(scopes: string[], client: FakeOAuthClient | undefined): string | undefined {
    for (const scope of scopes) {
      if (scope !== "openid" && !IDP_SCOPES.includes(scope)) return `Unknown scope: ${scope}`;
      if (isPrivileged(scope) && client?.privilegedScopes?.includes(scope) !== true) {
        return `Scope '${scope}' requires explicit app registration`;
      }
    }
    return undefined;
  }

  /** POST /idp/token (form fields; client credentials may come from HTTP Basic). */
  exchangeToken(form: Record<string, string>, basic: { clientId: string; clientSecret: string } | null): JsonOutcome {
    const grantType = form.grant_type;
    if (grantType === undefined || grantType === "") {
      return { status: 422, body: { detail: [{ type: "missing", loc: ["body", "grant_type"], msg: "Field required", input: null }] } };
    }
    const clientId = form.client_id ?? basic?.clientId;
    const clientSecret = form.client_secret ?? basic?.clientSecret;
    if (grantType === "authorization_code") return this.exchangeCode(form, clientId, clientSecret);
    if (grantType === "refresh_token") return this.refresh(form, clientId, clientSecret);
    return oauthError("unsupported_grant_type");
  }

  private exchangeCode(form: Record<string, string>, clientId: string | undefined, secret: string | undefined): JsonOutcome {
    if (!form.code || !form.redirect_uri || !clientId) return oauthError("invalid_request", "Missing required parameters");
    if (this.clients.size > 0 && !this.clients.has(clientId)) return oauthError("invalid_client");
    const stored = this.codes.get(form.code);
    // GETDEL, as the real server does: a code is spent even by a failed exchange.
    this.codes.delete(form.code);
    if (stored === undefined || stored.expiresAt < Date.now()) return oauthError("invalid_grant");
    if (stored.clientId !== clientId || stored.redirectUri !== form.redirect_uri) return oauthError("invalid_grant");
    if (stored.challenge !== undefined) {
      if (!form.code_verifier || !pkceMatches(stored.challenge, form.code_verifier)) return oauthError("invalid_grant");
    } else if (!this.secretMatches(clientId, secret)) {
      return oauthError("invalid_client");
    }
    return { status: 200, body: this.issue(stored) };
  }

  private refresh(form: Record<string, string>, clientId: string | undefined, secret: string | undefined): JsonOutcome {
    const token = form.refresh_token;
    if (!token || !clientId) return oauthError("invalid_request", "Missing required parameters");
    if (!token.startsWith("crt_")) return oauthError("invalid_grant");
    const grant = this.grantsByToken.get(token);
    if (grant === undefined || grant.refreshToken !== token || grant.refreshUsed || grant.revoked) return oauthError("invalid_grant");
    if (grant.refreshExpiresAt < Date.now() || grant.clientId !== clientId) return oauthError("invalid_grant");
    const client = this.clients.get(clientId);
    if (client?.clientSecret !== undefined && secret !== client.clientSecret) return oauthError("invalid_client");
    grant.refreshUsed = true;
    return { status: 200, body: this.issue(grant) };
  }

  /** Confidential exchange without PKCE: the secret must match a registered one. */
  private secretMatches(clientId: string, secret: string | undefined): boolean {
    const client = this.clients.get(clientId);
    if (client === undefined) return this.clients.size === 0;
    return client.clientSecret !== undefined && secret === client.clientSecret;
  }

  private issue(source: { clientId: string; scope: string; username: string }): Record<string, unknown> {
    const now = Date.now();
    const grant: TokenGrant = {
      accessToken: `cak_${randomAlphanumeric(64)}`,
      refreshToken: `crt_${randomAlphanumeric(64)}`,
      clientId: source.clientId,
      scope: source.scope,
      scopes: new Set(source.scope.split(/\s+/)),
      username: source.username,
      userId: uuidFromSeed(`user:${source.username}`),
      issuedAt: now,
      accessExpiresAt: now + this.accessTtlSeconds * 1000,
      refreshExpiresAt: now + REFRESH_TTL_MS,
      refreshUsed: false,
      revoked: false,
    };
    this.grantsByToken.set(grant.accessToken, grant);
    this.grantsByToken.set(grant.refreshToken, grant);
    this.issued.accessTokens.push(grant.accessToken);
    this.issued.refreshTokens.push(grant.refreshToken);
    return {
      access_token: grant.accessToken,
      token_type: "Bearer",
      expires_in: this.accessTtlSeconds,
      refresh_token: grant.refreshToken,
      scope: grant.scope,
    };
  }

  /** The grant behind a usable access token: issued here, unexpired, not revoked. */
  activeAccessGrant(token: string): TokenGrant | undefined {
    const grant = this.grantsByToken.get(token);
    if (grant === undefined || grant.accessToken !== token || grant.revoked) return undefined;
    return grant.accessExpiresAt > Date.now() ? grant : undefined;
  }

  /** POST /idp/token/revoke: always succeeds; a known token kills its whole grant. */
  revoke(token: string): void {
    if (token === "") return;
    const grant = this.grantsByToken.get(token);
    if (grant !== undefined) grant.revoked = true;
    this.issued.revoked.push(token);
  }

  /** POST /idp/token/introspect. */
  introspect(form: Record<string, string>): JsonOutcome {
    const client = form.client_id === undefined ? undefined : this.clients.get(form.client_id);
    if (client?.clientSecret !== undefined && form.client_secret !== undefined && form.client_secret !== client.clientSecret) {
      return { status: 401, body: { error: "invalid_client" } };
    }
    const token = form.token ?? "";
    const grant = this.grantsByToken.get(token);
    if (grant === undefined || grant.revoked) return { status: 200, body: { active: false } };
    const isAccess = grant.accessToken === token;
    const expiresAt = isAccess ? grant.accessExpiresAt : grant.refreshExpiresAt;
    if (expiresAt <= Date.now() || (!isAccess && grant.refreshUsed)) return { status: 200, body: { active: false } };
    return {
      status: 200,
      body: {
        active: true,
        token_type: isAccess ? "access_token" : "refresh_token",
        exp: Math.floor(expiresAt / 1000),
        iat: Math.floor(grant.issuedAt / 1000),
        scope: grant.scope,
        client_id: grant.clientId,
        username: grant.username,
        sub: grant.userId,
      },
    };
  }
}
