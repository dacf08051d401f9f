import { z } from "zod";
import { messageText } from "@/src/shared/chat";
import { safeHref } from "@/src/shared/safe-url";
import { locationLabel, sourceFromPart, type ChatSource } from "@/src/shared/sources";
import {
  CONVERSATION_SCHEMA_VERSION,
  conversationSchema,
  displayTitle,
  type Conversation,
} from "@/src/client/history/conversation-schema";

/** The JSON export file: an envelope that names itself, so an import can refuse other files. */
export const exportFileSchema = z.object({
  format: z.literal("quire-conversations"),
  schemaVersion: z.literal(CONVERSATION_SCHEMA_VERSION),
  exportedAt: z.string(),
  conversations: z.array(conversationSchema).max(10_000),
});
export type ExportFile = z.infer<typeof exportFileSchema>;

export function exportJson(conversations: ReadonlyArray<Conversation>, now: Date): string {
  const file: ExportFile = {
    format: "quire-conversations",
    schemaVersion: CONVERSATION_SCHEMA_VERSION,
    exportedAt: now.toISOString(),
    conversations: [...conversations],
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

function sourceLine(source: ChatSource): string {
  const label = locationLabel(source, " › ");
  const href = source.url ? safeHref(source.url) : null;
  return `${source.index}. ${href ? `[${label}](${href})` : label} (${source.path})`;
}

function messageMarkdown(message: Conversation["messages"][number]): string {
  const text = messageText(message).trim();
  if (message.role === "user") return `## You\n\n${text}`;
  const sources = message.parts.map(sourceFromPart).filter((source): source is ChatSource => source !== null);
  const model = message.metadata?.model ? ` (${message.metadata.model})` : "";
  const list = sources.length > 0 ? `\n\n**Sources**\n\n${sources.map(sourceLine).join("\n")}` : "";
  return `## Answer${model}\n\n${text === "" ? "_(no answer)_" : text}${list}`;
}

/** One Markdown document: each conversation under its title, questions and answers with their sources. */
export function exportMarkdown(conversations: ReadonlyArray<Conversation>): string {
  return `${conversations
    .map((conversation) => {
      const when = new Date(conversation.createdAt).toISOString().slice(0, 16).replace("T", " ");
      const body = conversation.messages.map(messageMarkdown).join("\n\n");
      return `# ${displayTitle(conversation)}\n\n_Started ${when} UTC_\n\n${body}`;
    })
    .join("\n\n---\n\n")}\n`;
}

export type ImportResult =
  | { ok: true; conversations: Conversation[]; added: number; skipped: number }
  | { ok: false; message: string };

function sameConversation(a: Conversation, b: Conversation): boolean {
  return a.updatedAt === b.updatedAt && JSON.stringify(a.messages) === JSON.stringify(b.messages);
}

/**
 * Reads an export file. A conversation that is already here unchanged is skipped; one whose
 * id is taken by a different conversation comes in under a new id, so neither is lost.
 */
export function parseImport(text: string, existing: ReadonlyArray<Conversation>, newId: () => string = () => crypto.randomUUID()): ImportResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, message: "This file is not JSON. Choose a file exported from Quire (JSON)." };
  }
  const parsed = exportFileSchema.safeParse(json);
  if (!parsed.success) return { ok: false, message: "This file is not a Quire conversation export, or it is damaged." };
  const byId = new Map(existing.map((conversation) => [conversation.id, conversation]));
  const conversations: Conversation[] = [];
  let skipped = 0;
  for (const incoming of parsed.data.conversations) {
    const present = byId.get(incoming.id);
    if (present && sameConversation(present, incoming)) {
      skipped += 1;
      continue;
    }
    const conversation = present ? { ...incoming, id: newId() } : incoming;
    byId.set(conversation.id, conversation);
    conversations.push(conversation);
  }
  return { ok: true, conversations, added: conversations.length, skipped };
}

/** A file name for a download: the title's letters and digits, or a fallback. */
export function exportFileName(conversations: ReadonlyArray<Conversation>, extension: "md" | "json", now: Date): string {
  const [only] = conversations;
  const stem =
    conversations.length === 1 && only
      ? displayTitle(only).toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-|-$/g, "").slice(0, 60) || "conversation"
      : `quire-conversations-${now.toISOString().slice(0, 10)}`;
  return `${stem}.${extension}`;
}
