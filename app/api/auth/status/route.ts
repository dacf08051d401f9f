import { authStatus } from "@/src/server/auth/status";
import { withErrorResponse } from "@/src/server/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/auth/status: which credential is active per provider, with masked hints only. */
export const GET = withErrorResponse(async (request: Request) =>
  Response.json(await authStatus(request), { headers: { "Cache-Control": "no-store" } }),
);
