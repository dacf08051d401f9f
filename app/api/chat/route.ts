import { requireCredential } from "@/src/server/auth/resolve-credential";
import { runChat } from "@/src/server/chat/chat-service";
import { retrieveSources } from "@/src/server/chat/retrieval";
import { parseChatRequest } from "@/src/server/chat/parse-chat-request";
import { toAppError } from "@/src/server/errors";
import { assertSameOrigin, withErrorResponse } from "@/src/server/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** POST /api/chat: parse → resolve credential → chat service → stream (README "HTTP API"). */
export const POST = withErrorResponse(async (request: Request) => {
  // Cookie credentials spend the user's credit: only this app's pages may use them.
  // A request that brings its own key in the header may come from anywhere.
  if (!request.headers.has("authorization")) assertSameOrigin(request);
  const body = await parseChatRequest(request);
  const { credential, setCookies } = await requireCredential(request, { provider: body.provider });
  try {
    return await runChat({ body, credential, setCookies, signal: request.signal, retrieve: retrieveSources });
  } catch (error) {
    // A session refreshed for this request must be stored even when the answer fails.
    throw toAppError(error).withCookies(setCookies);
  }
});
