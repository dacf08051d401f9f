import "server-only";
import { chunkLocation, type ScoredChunk } from "@/src/server/rag/types";

/** Keeps the call short: a few sources, each cut, and the answer only as context. */
export const FOLLOW_UP_PROMPT_LIMITS = { sources: 8, sourceChars: 1200, answerChars: 3000, questionChars: 2000 } as const;

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

const SYSTEM = [
  "You suggest follow-up questions for a reader of some documentation.",
  "Given the documentation excerpts, the reader's question and the answer they got, write 2 or 3 short follow-up questions the reader is likely to ask next.",
  "Each question must be answerable from the excerpts, must not repeat the reader's question, and should be under 15 words.",
  "Write the questions in the language of the reader's question.",
  'Reply with only a JSON array of strings, for example ["First question?", "Second question?"], and nothing else.',
].join("\n");

/** The system and user messages of the follow-up call (README "Follow-up suggestions"). */
export function buildFollowUpPrompt(input: { question: string; answer: string; chunks: readonly ScoredChunk[] }): {
  system: string;
  prompt: string;
} {
  const sources = input.chunks
    .slice(0, FOLLOW_UP_PROMPT_LIMITS.sources)
    .map((chunk, index) => `[${index + 1}] ${chunkLocation(chunk)}\n"""\n${cut(chunk.text, FOLLOW_UP_PROMPT_LIMITS.sourceChars).replaceAll('"""', '"\u200b""')}\n"""`)
    .join("\n\n");
  const prompt = [
    `Documentation excerpts:\n\n${sources}`,
    `The reader's question:\n${cut(input.question, FOLLOW_UP_PROMPT_LIMITS.questionChars)}`,
    `The answer they got:\n${cut(input.answer, FOLLOW_UP_PROMPT_LIMITS.answerChars)}`,
    "Now reply with the JSON array of 2 or 3 follow-up questions.",
  ].join("\n\n");
  return { system: SYSTEM, prompt };
}
