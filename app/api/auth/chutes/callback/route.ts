import { completeSignIn } from "@/src/server/auth/oauth-routes";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET ?code&state (or ?error=…): finishes Sign in with Chutes, then back to returnTo or a friendly error page. */
export const GET = completeSignIn;
