import "server-only";
import { env } from "@/src/server/env";

/** Base names; on an https APP_URL the wire name carries a prefix (see wireName). */
export const cookieNames = {
  chutesKey: "quire_chutes_key",
  chutesSession: "quire_chutes_session",
  chutesSessionExpired: "quire_chutes_session_expired",
  chutesOAuthFlow: "quire_chutes_oauth_flow",
  openrouterKey: "quire_openrouter_key",
} as const;

function httpsOrigin(): boolean {
  return env().APP_URL.startsWith("https:");
}

/**
 * The name a cookie has in the browser. On https, `__Host-` (Secure, Path=/, no Domain)
 * binds a cookie to this exact origin, so a sibling subdomain cannot plant or shadow it;
 * a cookie scoped to a sub-path can only be `__Secure-`. On plain http neither prefix is
 * allowed by browsers, so the base name is used.
 */
export function wireName(name: string, path = "/"): string {
  if (!httpsOrigin()) return name;
  return path === "/" ? `__Host-${name}` : `__Secure-${name}`;
}

/** Parses the Cookie header of a request. */
function parseCookieHeader(request: Request): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const pair of (request.headers.get("cookie") ?? "").split(";")) {
    const separator = pair.indexOf("=");
    if (separator <= 0) continue;
    const name = pair.slice(0, separator).trim();
    const raw = pair.slice(separator + 1).trim();
    try {
      cookies.set(name, decodeURIComponent(raw));
    } catch {
      cookies.set(name, raw);
    }
  }
  return cookies;
}

/** The value of one of our cookies, read under its wire name. */
export function readCookie(request: Request, name: string, path = "/"): string | undefined {
  return parseCookieHeader(request).get(wireName(name, path));
}

export interface CookieOptions {
  maxAgeSeconds: number;
  /** Lax by default; Strict where no cross-site navigation ever needs the cookie. */
  sameSite?: "Lax" | "Strict";
  path?: string;
}

/** A Set-Cookie value: always httpOnly and SameSite; Secure (and prefixed) when APP_URL is https. */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  const path = options.path ?? "/";
  const parts = [
    `${wireName(name, path)}=${encodeURIComponent(value)}`,
    `Path=${path}`,
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
    "HttpOnly",
    `SameSite=${options.sameSite ?? "Lax"}`,
  ];
  if (options.maxAgeSeconds <= 0) parts.push("Expires=Thu, 01 Jan 1970 00:00:00 GMT");
  if (httpsOrigin()) parts.push("Secure");
  return parts.join("; ");
}

export function clearCookie(name: string, path = "/"): string {
  return serializeCookie(name, "", { maxAgeSeconds: 0, path });
}
