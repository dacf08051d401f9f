import { signOut } from "@/src/server/auth/oauth-routes";
import { withErrorResponse } from "@/src/server/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** POST: revokes the Chutes OAuth tokens and clears the session cookie (same origin only). */
export const POST = withErrorResponse(signOut);
