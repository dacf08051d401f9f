import "server-only";
import { createHash } from "node:crypto";
import { z } from "zod";
import { chutesOAuth, isTokenEndpointRejection, refreshTokens, revokeToken, type ChutesUser, type TokenSet } from "@/src/server/auth/chutes-oauth";
import { clearCookie, cookieNames, readCookie, serializeCookie } from "@/src/server/auth/cookies";
import { OAuthFlowError } from "@/src/server/auth/oauth-failure";
import { sealedCookie } from "@/src/server/auth/sealed-cookie";
import { createSingleFlight } from "@/src/server/auth/single-flight";
import { AppError } from "@/src/server/errors";
import { log } from "@/src/server/log";
import { classifyUpstreamFailure } from "@/src/server/providers/classify-error";

/**
 * The Chutes OAuth session (PROTOCOLS.md §1.7): the tokens and who they belong to,
 * in one sealed httpOnly cookie. The server refreshes the access token shortly
 * before it expires and stores the rotated refresh token every time.
 */
export const chutesSessionSchema = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1).nullable(),
  /** Epoch milliseconds. */
  accessExpiresAt: z.number(),
  scope: z.string().nullable(),
  sub: z.string(),
  username: z.string().nullable(),
});
export type ChutesSession = z.infer<typeof chutesSessionSchema>;

/** Refresh tokens live up to 30 days, sliding on rotation (§1.7 Lifetimes). */
const SESSION_MAX_AGE_SECONDS = 30 * 24 * 3600;
/** Refresh this long before `expires_in` runs out, so no request carries a token about to die. */
export const REFRESH_MARGIN_MS = 60_000;
/** A non-secret marker: "the last session ended because it could not be refreshed". */
const SESSION_EXPIRED_COOKIE = cookieNames.chutesSessionExpired;
const MARKER_MAX_AGE_SECONDS = 24 * 3600;
/**
 * How long a finished refresh answers requests that still carry the spent refresh token:
 * requests already in flight, and any answer that lost the rotated cookie on the way
 * (an error response that did not forward `setCookies`).
 */
const REFRESH_GRACE_MS = 5 * 60_000;

/**
 * The sealed httpOnly session cookie; its 30-day life slides with each rotation. Lax, not
 * Strict: it is set by the callback, the end of a top-level navigation from the IDP.
 */
const sessionCookie = sealedCookie({ name: cookieNames.chutesSession, schema: chutesSessionSchema, maxAgeSeconds: SESSION_MAX_AGE_SECONDS });

/** The sealed session of this browser, or null when absent, forged, expired or malformed. */
export function readChutesSession(request: Request): Promise<ChutesSession | null> {
  return sessionCookie.read(request);
}

/** A session that can still produce an access token: unexpired, or refreshable. */
export function isUsableSession(session: ChutesSession, now = Date.now()): boolean {
  return session.refreshToken !== null || session.accessExpiresAt > now;
}

/** A session from a code exchange and `/idp/userinfo` (§1.7). */
export function newChutesSession(tokens: TokenSet, user: ChutesUser): ChutesSession {
  return { ...tokens, sub: user.sub, username: user.username };
}

export function chutesSessionCookie(session: ChutesSession): Promise<string> {
  return sessionCookie.serialize(session);
}

/** True after a refresh failed and signed this browser out of OAuth (see /api/auth/status). */
export function hasSessionExpiredMarker(request: Request): boolean {
  return readCookie(request, SESSION_EXPIRED_COOKIE) === "1";
}

/** A new sign-in replaces the marker of an earlier expired session. */
export function clearSessionExpiredMarker(): string {
  return clearCookie(SESSION_EXPIRED_COOKIE);
}

/** Sign-out: the session and its marker both go. */
export function clearSessionCookies(): string[] {
  return [sessionCookie.clear(), clearSessionExpiredMarker()];
}

/** Signs the browser out of OAuth and leaves the marker that /api/auth/status reports. */
function expiredSessionCookies(): string[] {
  return [sessionCookie.clear(), serializeCookie(SESSION_EXPIRED_COOKIE, "1", { maxAgeSeconds: MARKER_MAX_AGE_SECONDS })];
}

/**
 * A 401 for a Chutes session that is gone: the OAuth wording of the classifier
 * ("Sign in with Chutes again"), plus the cookies that sign this browser out.
 */
export class OAuthSessionExpiredError extends AppError {
  constructor(setCookies: string[]) {
    const { message } = classifyUpstreamFailure({ status: 401, body: "" }, { provider: "chutes", source: "oauth" });
    super("invalid_credential", message, { provider: "chutes", credential: "oauth" });
    this.withCookies(setCookies);
  }
}

/** The OAuth slot's answer: a token to use, nothing, or an ended session with the cookies that say so. */
export type SessionSlot =
  | { kind: "none" }
  | { kind: "active"; accessToken: string; setCookies: string[] }
  | { kind: "expired"; setCookies: string[] };

/**
 * Concurrent requests of one browser carry the same refresh token; spending it twice
 * would sign the user out (rotation, §1.7). Keyed by a hash so no token is a map key.
 * Limitation: the map lives in this process. The app is otherwise stateless, so with
 * several instances behind a load balancer two of them can still race on one refresh
 * token, and the loser signs the user out; use sticky sessions for the browser.
 */
const refreshes = createSingleFlight<TokenSet>({ graceMs: REFRESH_GRACE_MS });

function refreshOnce(refreshToken: string): Promise<TokenSet> {
  const key = createHash("sha256").update(refreshToken).digest("base64url");
  return refreshes.run(key, () => refreshTokens(chutesOAuth(), refreshToken));
}

/** Forgets in-flight and remembered refreshes; for tests. */
export function resetRefreshesForTests(): void {
  refreshes.clear();
}

/**
 * The OAuth slot of the precedence rule: the session's access token, refreshed first
 * when it is within REFRESH_MARGIN_MS of expiry. A refresh the IDP refuses
 * (`invalid_grant`: spent, revoked or expired) ends the session; a transport failure
 * keeps it, using the old token while it is still valid and a 503 after that.
 */
export async function resolveChutesSession(request: Request): Promise<SessionSlot> {
  const session = await readChutesSession(request);
  if (!session) return { kind: "none" };
  const now = Date.now();
  if (session.accessExpiresAt - now > REFRESH_MARGIN_MS) return { kind: "active", accessToken: session.accessToken, setCookies: [] };
  if (session.refreshToken === null) {
    return session.accessExpiresAt > now ? { kind: "active", accessToken: session.accessToken, setCookies: [] } : { kind: "expired", setCookies: expiredSessionCookies() };
  }
  try {
    const tokens = await refreshOnce(session.refreshToken);
    const next: ChutesSession = { ...session, ...tokens, refreshToken: tokens.refreshToken ?? session.refreshToken };
    return { kind: "active", accessToken: next.accessToken, setCookies: [await chutesSessionCookie(next)] };
  } catch (error) {
    // Refused by the IDP (`invalid_grant`), unusable, or OAuth no longer configured: the session cannot go on.
    if (isTokenEndpointRejection(error) || error instanceof OAuthFlowError) {
      const reason = error instanceof OAuthFlowError ? error.reason : error.error;
      log().warn({ provider: "chutes", reason }, "chutes session refresh refused; signing out of OAuth");
      return { kind: "expired", setCookies: expiredSessionCookies() };
    }
    log().warn({ provider: "chutes", err: error }, "chutes session refresh failed");
    if (session.accessExpiresAt > now) return { kind: "active", accessToken: session.accessToken, setCookies: [] };
    throw new AppError("provider_unavailable", "Could not reach Chutes to renew your session. Try again in a moment.", {
      provider: "chutes",
      cause: error,
    });
  }
}

/**
 * Sign-out (§1.7 Revoke): revokes the refresh and the access token. Returns whether
 * the IDP confirmed; the caller clears the cookie either way.
 */
export async function revokeSession(session: ChutesSession): Promise<boolean> {
  try {
    const config = chutesOAuth();
    const revocations = [revokeToken(config, session.accessToken, "access_token")];
    if (session.refreshToken !== null) revocations.push(revokeToken(config, session.refreshToken, "refresh_token"));
    const results = await Promise.allSettled(revocations);
    const failed = results.filter((result) => result.status === "rejected");
    if (failed.length > 0) log().warn({ provider: "chutes", failed: failed.length }, "chutes token revocation failed");
    return failed.length === 0;
  } catch (error) {
    log().warn({ provider: "chutes", err: error }, "chutes token revocation skipped");
    return false;
  }
}
