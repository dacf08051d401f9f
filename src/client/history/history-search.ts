import { messageText } from "@/src/shared/chat";
import { displayTitle, type Conversation } from "@/src/client/history/conversation-schema";

/** Lower case without accents, so "resume" finds "Résumé". */
function fold(text: string): string {
  return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}

export interface SearchHit {
  conversation: Conversation;
  /** A few words around the first match in the messages, when the title alone did not match. */
  excerpt: string | null;
}

const EXCERPT_CHARS = 40;

function excerptAround(text: string, term: string): string | null {
  // fold() keeps lengths for Latin text; where it does not, the excerpt is only a little off.
  const at = fold(text).indexOf(term);
  if (at < 0) return null;
  const start = Math.max(0, at - EXCERPT_CHARS);
  const end = Math.min(text.length, at + term.length + EXCERPT_CHARS);
  return `${start > 0 ? "…" : ""}${text.slice(start, end).replace(/\s+/g, " ").trim()}${end < text.length ? "…" : ""}`;
}

/**
 * Conversations whose title or messages contain every word of the query (case and accents
 * ignored), in the order given. An empty query matches everything.
 */
export function searchConversations(conversations: ReadonlyArray<Conversation>, query: string): SearchHit[] {
  const terms = fold(query).split(/\s+/).filter(Boolean);
  if (terms.length === 0) return conversations.map((conversation) => ({ conversation, excerpt: null }));
  return conversations.flatMap((conversation) => {
    const title = displayTitle(conversation);
    const body = conversation.messages.map(messageText).join("\n");
    const haystack = fold(`${title}\n${body}`);
    if (!terms.every((term) => haystack.includes(term))) return [];
    const titleMatches = terms.every((term) => fold(title).includes(term));
    const firstBodyTerm = terms.find((term) => !fold(title).includes(term)) ?? terms[0] ?? "";
    return [{ conversation, excerpt: titleMatches ? null : excerptAround(body, firstBodyTerm) }];
  });
}

export interface ConversationGroup {
  label: string;
  conversations: Conversation[];
}

function startOfDay(time: number): number {
  const date = new Date(time);
  date.setHours(0, 0, 0, 0);
  return date.getTime();
}

const monthFormat = new Intl.DateTimeFormat("en", { month: "long", year: "numeric" });

/** The day group of a time, in the browser's time zone. */
export function dayGroupLabel(time: number, now: number): string {
  const today = startOfDay(now);
  const day = startOfDay(time);
  const daysAgo = Math.round((today - day) / 86_400_000);
  if (daysAgo <= 0) return "Today";
  if (daysAgo === 1) return "Yesterday";
  if (daysAgo <= 7) return "Previous 7 days";
  return monthFormat.format(new Date(time));
}

/** Pinned first, then newest first by last activity: Today, Yesterday, Previous 7 days, then by month. */
export function groupConversations(conversations: ReadonlyArray<Conversation>, now: number): ConversationGroup[] {
  const newestFirst = [...conversations].sort((a, b) => b.updatedAt - a.updatedAt);
  const groups: ConversationGroup[] = [];
  const pinned = newestFirst.filter((conversation) => conversation.pinned);
  if (pinned.length > 0) groups.push({ label: "Pinned", conversations: pinned });
  for (const conversation of newestFirst.filter((item) => !item.pinned)) {
    const label = dayGroupLabel(conversation.updatedAt, now);
    const last = groups.at(-1);
    if (last && last.label === label && last.label !== "Pinned") last.conversations.push(conversation);
    else groups.push({ label, conversations: [conversation] });
  }
  return groups;
}
