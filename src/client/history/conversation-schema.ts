import { z } from "zod";
import { chatMetadataSchema } from "@/src/shared/chat";
import { errorPayloadSchema } from "@/src/shared/errors";

/**
 * The saved shape of a conversation, version 2 (version 1 was the single conversation in
 * localStorage, `quire:conversation:v1`; see `legacy-conversation.ts`). Everything read back
 * from IndexedDB or an import file goes through these schemas.
 */
export const CONVERSATION_SCHEMA_VERSION = 2;

/** A UI message part: text, reasoning, `source-url` (with our source in providerMetadata), data parts. */
const messagePartSchema = z
  .object({ type: z.string().min(1) })
  .loose()
  .refine((part) => part.type !== "text" || typeof (part as { text?: unknown }).text === "string", "a text part needs its text");

export const storedMessageSchema = z
  .object({
    id: z.string().min(1).max(200),
    role: z.enum(["user", "assistant", "system"]),
    parts: z.array(messagePartSchema),
    /** Provider, model, credential kind, retrieval mode: what answered. An unknown shape is dropped, not fatal. */
    metadata: chatMetadataSchema.loose().optional().catch(undefined),
  })
  .loose();
export type StoredMessage = z.infer<typeof storedMessageSchema>;

export const conversationSchema = z.object({
  schemaVersion: z.literal(CONVERSATION_SCHEMA_VERSION),
  id: z.string().min(1).max(200),
  title: z.string().max(200),
  /** Epoch milliseconds. */
  createdAt: z.number().int().nonnegative(),
  updatedAt: z.number().int().nonnegative(),
  pinned: z.boolean(),
  messages: z.array(storedMessageSchema),
  /** The error that ended the last request, so a reload shows the same card. */
  error: errorPayloadSchema.nullable(),
  /** Answers cut off by Stop or by an error. */
  interrupted: z.array(z.string()),
  /** What the user had typed and not sent. */
  draft: z.string(),
});
export type Conversation = z.infer<typeof conversationSchema>;

const TITLE_CHARS = 80;

/** A conversation's title: the first question's first line, shortened at a word. */
export function titleFromMessages(messages: ReadonlyArray<StoredMessage>): string {
  const first = messages.find((message) => message.role === "user");
  if (!first) return "";
  const text = first.parts
    .map((part) => (part.type === "text" ? String((part as { text?: unknown }).text) : ""))
    .join("")
    .trim();
  const line = (text.split("\n")[0] ?? "").replace(/\s+/g, " ").trim();
  if (line.length <= TITLE_CHARS) return line;
  const cut = line.slice(0, TITLE_CHARS);
  const space = cut.lastIndexOf(" ");
  return `${(space > TITLE_CHARS / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** The name a conversation shows: its title, or a placeholder while it has none. */
export function displayTitle(conversation: Pick<Conversation, "title">): string {
  return conversation.title.trim() === "" ? "New chat" : conversation.title;
}

export function newConversation(now: number, id: string = crypto.randomUUID()): Conversation {
  return {
    schemaVersion: CONVERSATION_SCHEMA_VERSION,
    id,
    title: "",
    createdAt: now,
    updatedAt: now,
    pinned: false,
    messages: [],
    error: null,
    interrupted: [],
    draft: "",
  };
}

/** Worth keeping: it has a message or an unsent draft. */
export function hasContent(conversation: Pick<Conversation, "messages" | "draft">): boolean {
  return conversation.messages.length > 0 || conversation.draft.trim() !== "";
}
