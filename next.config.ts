import type { NextConfig } from "next";
import { STATIC_SECURITY_HEADERS } from "./src/server/security/headers";

const nextConfig: NextConfig = {
  // PGlite ships WASM and data files that must be loaded from node_modules at run time, not bundled.
  serverExternalPackages: ["@electric-sql/pglite", "@electric-sql/pglite-pgvector", "pg", "pino"],
  poweredByHeader: false,
  // Headers that never change (see src/server/security/headers.ts). The CSP (a fresh nonce
  // per request) and HSTS (the runtime APP_URL's scheme) are set by proxy.ts instead:
  // headers() is resolved at build time.
  headers: async () => [{ source: "/:path*", headers: [...STATIC_SECURITY_HEADERS] }],
  reactStrictMode: true,
  experimental: {
    // Where proxy.ts runs, Next buffers each request body so that the proxy and the page
    // could both read it (10 MB by default). It no longer runs for /api (see its matcher),
    // and pages take no bodies, so this only bounds what a stray POST to a page may cost.
    proxyClientMaxBodySize: "2100kb",
  },
};

export default nextConfig;
