import "server-only";
import * as oauth from "oauth4webapi";
import { authorizationUrl, chutesOAuth, fetchUserInfo, redeemCallback } from "@/src/server/auth/chutes-oauth";
import {
  chutesSessionCookie,
  clearSessionCookies,
  clearSessionExpiredMarker,
  newChutesSession,
  readChutesSession,
  revokeSession,
} from "@/src/server/auth/chutes-session";
import { failureReasonOf, OAuthFlowError } from "@/src/server/auth/oauth-failure";
import {
  appUrl,
  clearOAuthFlowCookie,
  failurePageUrl,
  oauthFlowCookie,
  readOAuthFlow,
  redirectWithCookies,
  safeReturnTo,
} from "@/src/server/auth/oauth-flow";
import { assertSameOrigin, misdirectedResponseFor } from "@/src/server/http";
import { log } from "@/src/server/log";
import { clientIdentity } from "@/src/server/security/client-ip";
import { enforceRateLimit } from "@/src/server/security/rate-limit";
import { appendSetCookies } from "@/src/server/set-cookie";

/**
 * GET /api/auth/chutes/login?returnTo=/path (PROTOCOLS.md §1.7 Authorize): seals a
 * fresh `state` and PKCE verifier in a short-lived cookie and redirects to the IDP.
 * Without a configured client it lands on the friendly page instead.
 */
export async function startSignIn(request: Request): Promise<Response> {
  const misdirected = misdirectedResponseFor(request);
  if (misdirected) return misdirected;
  const returnTo = safeReturnTo(new URL(request.url).searchParams.get("returnTo"));
  try {
    await enforceRateLimit("login", clientIdentity(request));
    const config = chutesOAuth();
    const state = oauth.generateRandomState();
    const verifier = oauth.generateRandomCodeVerifier();
    const challenge = await oauth.calculatePKCECodeChallenge(verifier);
    const flowCookie = await oauthFlowCookie({ state, verifier, returnTo });
    return redirectWithCookies(authorizationUrl(config, state, challenge), [flowCookie], 302);
  } catch (error) {
    const reason = failureReasonOf(error);
    if (reason === "rate_limited") log().info({ provider: "chutes", reason }, "chutes sign-in refused");
    else if (!(error instanceof OAuthFlowError)) log().error({ err: error }, "chutes sign-in could not start");
    return redirectWithCookies(failurePageUrl(reason, returnTo), []);
  }
}

/**
 * GET /api/auth/chutes/callback (§1.7): checks `state`, redeems the code with the
 * verifier, reads `/idp/userinfo`, stores the session and goes back to `returnTo`.
 * Every failure, `error=access_denied` included, goes to the friendly page.
 */
export async function completeSignIn(request: Request): Promise<Response> {
  const misdirected = misdirectedResponseFor(request);
  if (misdirected) return misdirected;
  const flow = await readOAuthFlow(request);
  const returnTo = safeReturnTo(flow?.returnTo);
  try {
    await enforceRateLimit("login", clientIdentity(request));
    if (!flow) throw new OAuthFlowError("missing_flow");
    const config = chutesOAuth();
    const tokens = await redeemCallback(config, new URL(request.url).searchParams, flow);
    const user = await fetchUserInfo(config, tokens.accessToken);
    const sessionCookie = await chutesSessionCookie(newChutesSession(tokens, user));
    log().info({ provider: "chutes" }, "signed in with chutes");
    return redirectWithCookies(appUrl(returnTo), [clearOAuthFlowCookie(), clearSessionExpiredMarker(), sessionCookie]);
  } catch (error) {
    const reason = failureReasonOf(error);
    if (error instanceof OAuthFlowError || reason === "rate_limited") log().warn({ provider: "chutes", reason }, "chutes sign-in failed");
    else log().error({ err: error }, "chutes sign-in failed");
    return redirectWithCookies(failurePageUrl(reason, returnTo), [clearOAuthFlowCookie()]);
  }
}

/**
 * POST /api/auth/chutes/logout (§1.7 Revoke): revokes the tokens and clears the
 * session. A failed revoke still signs this browser out; the answer says so.
 */
export async function signOut(request: Request): Promise<Response> {
  assertSameOrigin(request);
  const session = await readChutesSession(request);
  const revoked = session ? await revokeSession(session) : true;
  log().info({ provider: "chutes", revoked }, "signed out of chutes");
  const headers = appendSetCookies(new Headers({ "Cache-Control": "no-store" }), clearSessionCookies());
  return Response.json({ signedOut: true, revoked }, { headers });
}
