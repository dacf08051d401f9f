/**
 * Full-text matching for natural-language questions. `websearch_to_tsquery`
 * ANDs every word, so "how do I run a node on Linux" matches only chunks that
 * contain all of them, usually none. Instead the question's words are ORed and
 * the rank (which grows with every matched lexeme, headings weighted higher)
 * does the sorting. PostgreSQL drops the stop words and stems the rest.
 */

const MAX_TERMS = 32;

/** Words of a question as a safe `to_tsquery` OR expression, or null when it has none. */
export function toAnyWordQuery(question: string): string | null {
  const words = question.toLowerCase().normalize("NFKC").match(/[\p{L}\p{N}]+/gu) ?? [];
  const unique = [...new Set(words.filter((word) => word.length > 1 || /\p{N}/u.test(word)))].slice(0, MAX_TERMS);
  return unique.length === 0 ? null : unique.join(" | ");
}

export type TextMatch = "any" | "all";
