import { z } from "zod";
import { errorPayloadSchema } from "@/src/shared/errors";
import { newConversation, storedMessageSchema, titleFromMessages, type Conversation } from "@/src/client/history/conversation-schema";

/** Where version 1 kept the one conversation: a JSON object in localStorage. */
export const LEGACY_STORAGE_KEY = "quire:conversation:v1";

const legacyConversationSchema = z.object({
  messages: z.array(storedMessageSchema),
  error: errorPayloadSchema.nullable(),
  interrupted: z.array(z.string()),
  draft: z.string().default(""),
});

/**
 * Version 1 → version 2: the localStorage conversation becomes one saved conversation,
 * titled from its first question. Null when there is nothing (or nothing readable) to move.
 */
export function migrateLegacyConversation(raw: string | null, now: number, id?: string): Conversation | null {
  if (raw === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = legacyConversationSchema.safeParse(json);
  if (!parsed.success) return null;
  const { messages, error, interrupted, draft } = parsed.data;
  if (messages.length === 0 && draft.trim() === "") return null;
  return { ...newConversation(now, id), title: titleFromMessages(messages), messages, error, interrupted, draft };
}
