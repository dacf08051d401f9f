import "server-only";

/**
 * Adds Set-Cookie headers, one header per cookie: joined with commas they would be
 * misread (Expires dates contain a comma). The one place responses gain cookies.
 */
export function appendSetCookies(headers: Headers, cookies: readonly string[]): Headers {
  for (const cookie of cookies) headers.append("Set-Cookie", cookie);
  return headers;
}
