import "server-only";
import { z } from "zod";
import { cookieNames } from "@/src/server/auth/cookies";
import type { OAuthFailureReason } from "@/src/server/auth/oauth-failure";
import { sealedCookie } from "@/src/server/auth/sealed-cookie";
import { appendSetCookies } from "@/src/server/set-cookie";
import { env } from "@/src/server/env";

/**
 * The short-lived, sealed state of one sign-in between /login and /callback
 * (PROTOCOLS.md §1.7): the `state`, the PKCE verifier, and where to go after.
 * One browser has one flow at a time; a second login tab replaces the first.
 */
const flowSchema = z.object({ state: z.string().min(1), verifier: z.string().min(43), returnTo: z.string() });
export type OAuthFlow = z.infer<typeof flowSchema>;

/** The IDP keeps a code for 600 s (§1.7); a flow older than that cannot finish anyway. */
const FLOW_MAX_AGE_SECONDS = 600;
/** Only the login and callback routes need the flow cookie. */
const FLOW_COOKIE_PATH = "/api/auth/chutes";

/**
 * Lax: the callback is a top-level GET navigation from the IDP, which Lax cookies
 * accompany. Only the login and callback routes see it.
 */
const flowCookie = sealedCookie({ name: cookieNames.chutesOAuthFlow, schema: flowSchema, maxAgeSeconds: FLOW_MAX_AGE_SECONDS, sameSite: "Lax", path: FLOW_COOKIE_PATH });

/** The Set-Cookie of a new flow, sealed for 10 minutes. */
export function oauthFlowCookie(flow: OAuthFlow): Promise<string> {
  return flowCookie.serialize(flow);
}

/** The flow this browser started, or null (missing, expired, forged, or from another cookie). */
export function readOAuthFlow(request: Request): Promise<OAuthFlow | null> {
  return flowCookie.read(request);
}

/** The flow cookie is single-use: every callback answer clears it. */
export function clearOAuthFlowCookie(): string {
  return flowCookie.clear();
}

const MAX_RETURN_TO_LENGTH = 2048;

/**
 * `returnTo` as a same-origin relative path, or "/". Refuses absolute URLs,
 * scheme-relative `//host`, backslash tricks (`/\host`, which browsers read as
 * `//host`), control characters (the URL parser drops tabs and newlines, so
 * `/\t/host` would become `//host`), and paths back into the API.
 */
export function safeReturnTo(value: string | null | undefined): string {
  if (!value || value.length > MAX_RETURN_TO_LENGTH) return "/";
  if (!value.startsWith("/") || value.startsWith("//") || value.includes("\\")) return "/";
  if (/[\u0000-\u001f\u007f]/.test(value)) return "/";
  const base = new URL(env().APP_URL);
  let resolved: URL;
  try {
    resolved = new URL(value, base);
  } catch {
    return "/";
  }
  if (resolved.origin !== base.origin || resolved.pathname.startsWith("/api/")) return "/";
  const path = `${resolved.pathname}${resolved.search}${resolved.hash}`;
  // The check runs on what is returned, not only on the input: dot segments normalise
  // `/.//evil.example` to `//evil.example`, a scheme-relative link off-site.
  if (path.startsWith("//") || path.includes("\\") || !path.startsWith("/")) return "/";
  return path;
}

/** A redirect that also sets cookies (Response.redirect has immutable headers). */
export function redirectWithCookies(location: URL | string, setCookies: string[], status: 302 | 303 = 303): Response {
  const headers = new Headers({ Location: String(location), "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" });
  return new Response(null, { status, headers: appendSetCookies(headers, setCookies) });
}

/** An absolute URL of this app (the callback lives on APP_URL, so its cookies do too). */
export function appUrl(pathAndQuery: string): URL {
  return new URL(pathAndQuery, env().APP_URL);
}

/** The friendly page that says what went wrong and offers a retry; never raw JSON. */
export function failurePageUrl(reason: OAuthFailureReason, returnTo: string): URL {
  const url = appUrl("/auth/error");
  url.searchParams.set("reason", reason);
  if (returnTo !== "/") url.searchParams.set("returnTo", returnTo);
  return url;
}
