import { requireCredential } from "@/src/server/auth/resolve-credential";
import { runChat } from "@/src/server/chat/chat-service";
import { parseChatRequest } from "@/src/server/chat/parse-chat-request";
import { retrieveSources } from "@/src/server/chat/retrieve-sources";
import { guardCreditRequest } from "@/src/server/chat/request-guard";
import { toAppError } from "@/src/server/errors";
import { withErrorResponse } from "@/src/server/http";
import { clientIdentity } from "@/src/server/security/client-ip";
import { enforceRateLimit } from "@/src/server/security/rate-limit";
import { acquireStreamSlot } from "@/src/server/security/rate-limit-streams";
import { trackStream } from "@/src/server/shutdown";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** POST /api/chat: parse → resolve credential → limits → chat service → stream (README "HTTP API"). */
export const POST = withErrorResponse(async (request: Request) => {
  const receivedAt = performance.now();
  guardCreditRequest(request);
  const body = await parseChatRequest(request);
  const { credential, setCookies } = await requireCredential(request, { provider: body.provider });
  try {
    const identity = clientIdentity(request, { credential: credential.token });
    await enforceRateLimit("chat", identity);
    const release = acquireStreamSlot(identity);
    try {
      const response = await runChat({ body, credential, setCookies, signal: request.signal, retrieve: retrieveSources, receivedAt });
      return trackStream(response, release);
    } catch (error) {
      release();
      throw error;
    }
  } catch (error) {
    // A session refreshed for this request must be stored even when the answer fails.
    throw toAppError(error).withCookies(setCookies);
  }
});
