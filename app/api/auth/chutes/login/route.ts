import { startSignIn } from "@/src/server/auth/oauth-routes";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET ?returnTo=/path: starts Sign in with Chutes (OAuth 2.0 + PKCE, PROTOCOLS.md §1.7). */
export const GET = startSignIn;
