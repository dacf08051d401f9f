import { requireCredential } from "@/src/server/auth/resolve-credential";
import { runChat } from "@/src/server/chat/chat-service";
import { retrieveSources } from "@/src/server/chat/retrieval";
import { parseChatRequest } from "@/src/server/chat/parse-chat-request";
import { withErrorResponse } from "@/src/server/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** POST /api/chat: parse → resolve credential → chat service → stream (README "HTTP API"). */
export const POST = withErrorResponse(async (request: Request) => {
  const body = await parseChatRequest(request);
  const { credential, setCookies } = await requireCredential(request, { provider: body.provider });
  return runChat({ body, credential, setCookies, signal: request.signal, retrieve: retrieveSources });
});
