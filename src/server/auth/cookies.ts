import { env } from "@/src/server/env";

export const cookieNames = {
  chutesKey: "quire_chutes_key",
  chutesSession: "quire_chutes_session",
  chutesOAuthFlow: "quire_chutes_oauth_flow",
  openrouterKey: "quire_openrouter_key",
} as const;

/** Parses the Cookie header of a request. */
export function readCookies(request: Request): Map<string, string> {
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

export interface CookieOptions {
  maxAgeSeconds: number;
  sameSite?: "Lax" | "Strict";
  path?: string;
}

/** A Set-Cookie value: always httpOnly, SameSite (Lax by default), and Secure when APP_URL is https. */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [
    `${name}=${encodeURIComponent(value)}`,
    `Path=${options.path ?? "/"}`,
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
    "HttpOnly",
    `SameSite=${options.sameSite ?? "Lax"}`,
  ];
  if (options.maxAgeSeconds <= 0) parts.push("Expires=Thu, 01 Jan 1970 00:00:00 GMT");
  if (env().APP_URL.startsWith("https:")) parts.push("Secure");
  return parts.join("; ");
}

export function clearCookie(name: string, path = "/"): string {
  return serializeCookie(name, "", { maxAgeSeconds: 0, path });
}
