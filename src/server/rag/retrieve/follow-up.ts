import "server-only";
/**
 * Conversation-aware retrieval: a follow-up such as "and on Windows?" means
 * little alone, so it is searched together with the user's previous question.
 */

export interface ConversationMessage {
  role: "user" | "assistant";
  text: string;
}

const stopWords = new Set(
  ("a an and are as at be but by can could do does for from has have how i if in into is it its me my of on or our " +
    "should so than that the their them then there these they this to was we were what when where which who why " +
    "will with would you your about also any else more just please").split(" "),
);

/** Lower-cased words of a text minus common stop words. */
export function contentTerms(text: string): string[] {
  return (text.toLowerCase().normalize("NFKC").match(/[\p{L}\p{N}]+/gu) ?? []).filter(
    (word) => !stopWords.has(word) && (word.length > 1 || /\p{N}/u.test(word)),
  );
}

const continuationCue = /^(and|or|but|also|what about|how about|then|so|same|ok|okay|why|how come)\b/i;
const leadingPreposition = /^(on|in|for|with|without|using|via|under|from)\b/i;
const referringWord = /\b(it|its|that|this|those|these|they|them|there|one|ones)\b/i;

/** True when the message reads as a continuation of the previous one rather than a question of its own. */
export function isFollowUp(text: string): boolean {
  const trimmed = text.trim();
  if (continuationCue.test(trimmed)) return true;
  const terms = contentTerms(trimmed);
  if (terms.length === 0) return true;
  if (terms.length <= 2 && leadingPreposition.test(trimmed)) return true;
  return terms.length <= 3 && referringWord.test(trimmed);
}

/** The text to retrieve with: the last user message, led by the previous one when it is a follow-up. */
export function buildRetrievalQuery(messages: readonly ConversationMessage[]): string {
  const userTexts = messages.filter((message) => message.role === "user").map((message) => message.text.trim());
  const last = userTexts.at(-1) ?? "";
  const previous = userTexts.at(-2);
  if (previous === undefined || last === "" || !isFollowUp(last)) return last;
  return `${previous}\n${last}`;
}

/**
 * The words a follow-up adds ("and on Windows?" → ["windows"]), or none when the
 * last message stands alone. They are what the user is asking about now.
 */
export function followUpTerms(messages: readonly ConversationMessage[]): string[] {
  const userTexts = messages.filter((message) => message.role === "user").map((message) => message.text.trim());
  const last = userTexts.at(-1) ?? "";
  if (userTexts.length < 2 || !isFollowUp(last)) return [];
  const previous = new Set(contentTerms(userTexts.at(-2) ?? ""));
  return contentTerms(last).filter((term) => !previous.has(term));
}

/**
 * Within the candidates found for "previous question + follow-up", those that
 * mention what the follow-up adds come first (order otherwise kept), so "and on
 * Windows?" after a Linux question leads with the Windows section.
 */
export function preferFollowUpTerms<T extends { text: string; heading: string; title: string }>(
  candidates: readonly T[],
  terms: readonly string[],
): T[] {
  if (terms.length === 0) return [...candidates];
  const mentions = (candidate: T) => {
    const words = new Set(contentTerms(`${candidate.title} ${candidate.heading} ${candidate.text}`));
    return terms.some((term) => words.has(term));
  };
  return [...candidates.filter(mentions), ...candidates.filter((candidate) => !mentions(candidate))];
}
