import { NextResponse, type NextRequest } from "next/server";
import { contentSecurityPolicy, createNonce, strictTransportSecurity } from "@/src/server/security/headers";
import { hostCheckConfigFromEnv, isHostAllowed, misdirectedResponse, requestHost, type HostCheckConfig } from "@/src/server/security/host-check";

/**
 * Next.js Proxy (the file formerly called middleware; always the Node.js runtime):
 * refuses requests for a host Quire is not configured for (DNS rebinding), and gives
 * each response a Content-Security-Policy with a fresh nonce, which Next.js reads from
 * the request's CSP header and puts on its own scripts. The logic lives in
 * src/server/security/; this file only wires it to the request.
 */

let hostConfig: HostCheckConfig | undefined;

export function proxy(request: NextRequest): Response {
  // Read once: the variables do not change while the server runs. A bad value throws,
  // so the request fails closed (start-up has already refused it via env.ts).
  hostConfig ??= hostCheckConfigFromEnv(process.env);
  const host = requestHost(request.headers, hostConfig.trustProxy);
  if (!isHostAllowed(host, hostConfig.allowList)) return misdirectedResponse(request.nextUrl.pathname, host);

  const csp = contentSecurityPolicy({ nonce: createNonce(), dev: process.env.NODE_ENV === "development" });
  const requestHeaders = new Headers(request.headers);
  // On the request so that rendering finds the nonce; on the response so that the browser enforces it.
  requestHeaders.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", csp);
  const hsts = strictTransportSecurity(hostConfig.appUrl);
  if (hsts) response.headers.set("Strict-Transport-Security", hsts);
  return response;
}

// Every page request is host-checked, prefetches and RSC payloads included, since they
// carry the same private data as the pages (the CSP guide's matcher skips them, which
// would let a rebinding page read them).

export const config = {
  // API routes check the Host themselves (src/server/http.ts): a proxy in front of them
  // would make Next buffer and drain every request body before the route could refuse it.
  matcher: ["/((?!api/).*)"],
};
