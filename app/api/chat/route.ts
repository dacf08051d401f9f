import { requireCredential } from "@/src/server/auth/resolve-credential";
import { runChat } from "@/src/server/chat/chat-service";
import { parseChatRequest } from "@/src/server/chat/parse-chat-request";
import { retrieveSources } from "@/src/server/chat/retrieve-sources";
import { AppError, toAppError } from "@/src/server/errors";
import { assertSameOrigin, withErrorResponse } from "@/src/server/http";
import { clientIdentity } from "@/src/server/security/client-ip";
import { enforceRateLimit } from "@/src/server/security/rate-limit";
import { acquireStreamSlot } from "@/src/server/security/rate-limit-streams";
import { isShuttingDown, trackStream } from "@/src/server/shutdown";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** POST /api/chat: parse → resolve credential → limits → chat service → stream (README "HTTP API"). */
export const POST = withErrorResponse(async (request: Request) => {
  if (isShuttingDown()) {
    throw new AppError("provider_unavailable", "Quire is restarting. Try again in a few seconds.", { status: 503, retryAfter: 5 });
  }
  // Cookie credentials spend the user's credit: only this app's pages may use them.
  // A request that brings its own key in the header may come from anywhere.
  if (!request.headers.has("authorization")) assertSameOrigin(request);
  const body = await parseChatRequest(request);
  const { credential, setCookies } = await requireCredential(request, { provider: body.provider });
  try {
    const identity = clientIdentity(request, { credential: credential.token });
    await enforceRateLimit("chat", identity);
    const release = acquireStreamSlot(identity);
    try {
      const response = await runChat({ body, credential, setCookies, signal: request.signal, retrieve: retrieveSources });
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
