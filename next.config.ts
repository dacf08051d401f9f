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
    // proxy.ts makes Next buffer each request body so that both the proxy and the route
    // could read it (10 MB by default). Quire's largest body is a 2 MB chat request, and
    // the routes count bytes themselves (read-body.ts), so Next keeps no more than that.
    proxyClientMaxBodySize: "2100kb",
  },
};

export default nextConfig;
