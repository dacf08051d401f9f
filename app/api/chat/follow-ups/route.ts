import { requireCredential } from "@/src/server/auth/resolve-credential";
import { assertFollowUpsEnabled, parseFollowUpRequest, suggestFollowUps } from "@/src/server/chat/follow-ups";
import { guardCreditRequest } from "@/src/server/chat/request-guard";
import { toAppError } from "@/src/server/errors";
import { withErrorResponse } from "@/src/server/http";
import { appendSetCookies } from "@/src/server/set-cookie";
import { clientIdentity } from "@/src/server/security/client-ip";
import { enforceRateLimit } from "@/src/server/security/rate-limit";
import type { FollowUpResponse } from "@/src/shared/follow-ups";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * POST /api/chat/follow-ups: flag → parse → resolve credential → limits → one short
 * completion → `{ questions }` (README "HTTP API"). The guards are the chat route's.
 */
export const POST = withErrorResponse(async (request: Request) => {
  assertFollowUpsEnabled();
  guardCreditRequest(request);
  const body = await parseFollowUpRequest(request);
  const { credential, setCookies } = await requireCredential(request, { provider: body.provider });
  try {
    await enforceRateLimit("follow_ups", clientIdentity(request, { credential: credential.token }));
    const questions = await suggestFollowUps({ body, credential, signal: request.signal });
    const headers = appendSetCookies(new Headers({ "Cache-Control": "no-store" }), setCookies);
    return Response.json({ questions } satisfies FollowUpResponse, { headers });
  } catch (error) {
    // A session refreshed for this request must be stored even when the call fails.
    throw toAppError(error).withCookies(setCookies);
  }
});
