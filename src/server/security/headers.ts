/**
 * The security headers, as plain data and functions with no imports: next.config.ts
 * reads the static ones at build time, proxy.ts adds the per-request ones (the CSP
 * nonce, and HSTS, which depends on the APP_URL the server runs with, not the one it
 * was built with), and unit tests check both.
 */

export interface HeaderPair {
  key: string;
  value: string;
}

/**
 * Powerful features Quire never uses, switched off for the page and anything it
 * might embed, so an injected script cannot prompt for them. Only features Chromium
 * recognises: an unknown name is a console warning on every load (Chromium 156 does
 * not know `bluetooth`; the e2e test watches for this).
 */
export const PERMISSIONS_POLICY = [
  "accelerometer",
  "camera",
  "display-capture",
  "geolocation",
  "gyroscope",
  "hid",
  "idle-detection",
  "magnetometer",
  "microphone",
  "midi",
  "payment",
  "screen-wake-lock",
  "serial",
  "usb",
  "xr-spatial-tracking",
  "browsing-topics",
]
  .map((feature) => `${feature}=()`)
  .join(", ");

/** Headers that are the same on every response, for next.config.ts `headers()`. */
export const STATIC_SECURITY_HEADERS: readonly HeaderPair[] = [
  // The key form must not be framed by another site (clickjacking); CSP frame-ancestors says the same to newer browsers.
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  // Nothing about the page (a /sources/<id> URL) leaks to other sites through Referer.
  { key: "Referrer-Policy", value: "same-origin" },
  { key: "Permissions-Policy", value: PERMISSIONS_POLICY },
  // A window Quire opens or is opened by gets no handle on it (no window.opener tricks).
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
];

/**
 * A fresh nonce: 128 random bits in base64, which matches the pattern Next.js uses to
 * find the nonce in the request's CSP header (`'nonce-[A-Za-z0-9+/_-]+={0,2}'`).
 */
export function createNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

export interface CspOptions {
  nonce: string;
  /** `next dev`: React needs eval for its debugging aids, and dev styles are injected without a nonce. */
  dev: boolean;
}

/**
 * The Content-Security-Policy of every response. Scripts run only with this request's
 * nonce (Next.js puts it on its own scripts) or when loaded by such a script
 * ('strict-dynamic'); nothing else can run, so an injection in rendered markdown
 * cannot steal what the page can reach. Everything else is same-origin only: the
 * browser talks to Quire alone (the providers are called by the server).
 */
export function contentSecurityPolicy({ nonce, dev }: CspOptions): string {
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    // Styles come from the CSS files; the nonce admits any inline <style> Next.js emits.
    // Server-rendered style="" attributes are refused in production (none are rendered).
    dev ? "style-src 'self' 'unsafe-inline'" : `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    // The forms post to Quire's own routes; Sign in with Chutes is a link and a redirect, which form-action does not govern.
    "form-action 'self'",
    "connect-src 'self'",
    "frame-ancestors 'none'",
  ];
  return directives.join("; ");
}

/**
 * HSTS once APP_URL is https (two years, subdomains too). Not for an http APP_URL:
 * browsers ignore HSTS over http, and a local http instance must stay reachable.
 */
export function strictTransportSecurity(appUrl: string): string | null {
  return new URL(appUrl).protocol === "https:" ? "max-age=63072000; includeSubDomains" : null;
}

/**
 * The nonce of a CSP this module wrote (proxy.ts puts it on the request), for the few
 * inline elements Quire renders itself (the theme's <style>); the same pattern Next.js
 * reads it with. Undefined when there is none (a request that skipped the proxy).
 */
export function nonceFromCsp(csp: string | null): string | undefined {
  return csp?.match(/'nonce-([A-Za-z0-9+/_-]+={0,2})'/)?.[1];
}
