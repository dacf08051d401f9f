import "server-only";
import { z } from "zod";
import { FOLLOW_UP_LIMITS } from "@/src/shared/follow-ups";

export interface FollowUpOutput {
  /** The completion's content. */
  text: string;
  /** `reasoning_content` / `reasoning`: where a reasoning model may have left its answer. */
  reasoning?: string;
}

const QUESTION_END = /[?？؟]$/;
const LIST_MARKER = /^(?:[-*•‣▪–—+]|\(?\d{1,2}[.):]|\(?[a-cA-C][.)])\s+/;
const QUOTES = /^["'“”‘’«»„「」『』`]+|["'“”‘’«»„「」『』`]+$/g;
const jsonListSchema = z.union([
  z.array(z.unknown()),
  z.object({ questions: z.array(z.unknown()) }).transform((value) => value.questions),
]);

/** Cleans one candidate: list markers, Markdown emphasis, quotes, citation marks and spacing. */
function clean(candidate: string): string {
  let text = candidate.replace(/\s+/g, " ").trim();
  text = text.replace(LIST_MARKER, "").replace(/\*\*|__/g, "");
  text = text.replace(/,$/, "").trim().replace(QUOTES, "").trim();
  return text.replace(/\s*\[\d{1,3}\]/g, "").trim();
}

function stringsOf(items: unknown[]): string[] {
  return items.flatMap((item) => {
    if (typeof item === "string") return [item];
    const parsed = z.object({ question: z.string() }).safeParse(item);
    return parsed.success ? [parsed.data.question] : [];
  });
}

/**
 * A JSON array (or `{ "questions": [...] }`) anywhere in the text, fenced or not. An array cut
 * short by the token limit still yields its complete string literals.
 */
function fromJson(text: string): string[] | null {
  // An array of strings or objects, or the object form; never a citation mark like [1].
  const start = text.search(/\[\s*["{]|\{\s*"questions"/);
  if (start === -1) return null;
  const end = Math.max(text.lastIndexOf("]"), text.lastIndexOf("}"));
  if (end > start) {
    try {
      const parsed = jsonListSchema.safeParse(JSON.parse(text.slice(start, end + 1)));
      const strings = parsed.success ? stringsOf(parsed.data) : [];
      if (strings.length > 0) return strings;
    } catch {
      // not JSON as a whole: maybe a cut-off array
    }
  }
  if (text[start] !== "[") return null;
  const literals = text.slice(start).match(/"(?:[^"\\\n]|\\.)*"/g) ?? [];
  const strings = literals.flatMap((literal) => {
    try {
      const value: unknown = JSON.parse(literal);
      return typeof value === "string" ? [value] : [];
    } catch {
      return [];
    }
  });
  return strings.length > 0 ? strings : null;
}

/**
 * Numbered or bulleted lines, or lines that end in a question mark; prose and headings
 * ("Here are some questions:") are dropped. `questionsOnly` keeps only the questions,
 * for text that was the model's thinking rather than its answer.
 */
function fromLines(text: string, questionsOnly: boolean): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => {
      const cleaned = clean(line);
      if (QUESTION_END.test(cleaned)) return true;
      return !questionsOnly && LIST_MARKER.test(line) && !cleaned.endsWith(":");
    });
}

function candidatesOf(text: string, questionsOnly: boolean): string[] {
  const visible = text.replace(/<think>[\s\S]*?(<\/think>|$)/gi, "");
  const json = fromJson(visible);
  const strings = json ?? fromLines(visible, questionsOnly);
  return questionsOnly ? strings.filter((item) => QUESTION_END.test(clean(item))) : strings;
}

/** What makes two questions the same: case, spacing and punctuation aside. */
function sameness(text: string): string {
  return text.toLocaleLowerCase().replace(/[\p{P}\p{S}\s]+/gu, "");
}

/**
 * The follow-up questions in a model's output: a JSON array, or numbered or bulleted
 * lines; from the reasoning text only when the content has none. Cleaned (numbering,
 * quotes, citation marks), deduplicated, without the question that was asked, none
 * longer than FOLLOW_UP_LIMITS.maxSuggestionChars, and at most `maxSuggestions`.
 */
export function parseFollowUps(output: FollowUpOutput, askedQuestion: string): string[] {
  let candidates = candidatesOf(output.text, false);
  if (candidates.length === 0 && output.reasoning) candidates = candidatesOf(output.reasoning, true);
  const seen = new Set([sameness(askedQuestion)]);
  const questions: string[] = [];
  for (const candidate of candidates) {
    const question = clean(candidate);
    const key = sameness(question);
    if (question.length < 3 || question.length > FOLLOW_UP_LIMITS.maxSuggestionChars || key === "" || seen.has(key)) continue;
    seen.add(key);
    questions.push(question);
    if (questions.length === FOLLOW_UP_LIMITS.maxSuggestions) break;
  }
  return questions;
}
