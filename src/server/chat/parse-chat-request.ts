import "server-only";
import { AppError } from "@/src/server/errors";
import { env } from "@/src/server/env";
import { readJsonBody } from "@/src/server/http";
import { chatRequestSchema, messageText, type ChatRequest } from "@/src/shared/chat";

/** Validates a chat body against the schema and the configured size limits. */
export async function parseChatRequest(request: Request): Promise<ChatRequest> {
  const body = await readJsonBody(request, chatRequestSchema);
  const { QUIRE_MAX_MESSAGES: maxMessages, QUIRE_MAX_MESSAGE_CHARS: maxChars } = env();
  if (body.messages.length > maxMessages) {
    throw new AppError("bad_request", `Too many messages: at most ${maxMessages} per request.`);
  }
  const tooLong = body.messages.findIndex((message) => messageText(message).length > maxChars);
  if (tooLong !== -1) {
    throw new AppError("bad_request", `Message ${tooLong + 1} is too long: at most ${maxChars} characters.`);
  }
  return body;
}
