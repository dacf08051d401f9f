import type { RetrievedSource } from "@/src/server/rag/retrieve";
import { chunkLocation } from "@/src/server/rag/types";

/**
 * The system prompt of a chat turn: numbered sources `[1]…[n]` and the rules for
 * citing them. When retrieval is weak the model is told to say plainly that the
 * docs do not cover the question; the same words go to every model.
 */
export function buildSystemPrompt(input: { sources: RetrievedSource[]; weak: boolean }): string {
  const rules = [
    "You are Quire, an assistant that answers questions using the documentation excerpts below.",
    "Answer from the sources. Cite every claim that comes from a source with its number in square brackets, like [1] or [2][3], placed right after the claim.",
    "Cite only the numbers listed below and never invent a source, a link or a quotation.",
    "If the sources only partly answer the question, answer that part, and say what the documentation does not cover.",
    "Keep code, commands and names exactly as the sources write them. Answer in the language of the question.",
  ];
  if (input.weak || input.sources.length === 0) {
    rules.push(
      "IMPORTANT: the search found nothing in the documentation that clearly answers this question. Start your answer by saying plainly that the documentation does not cover it. Do not make up an answer; you may point to the closest source below if it helps, and suggest how the user could rephrase.",
    );
  }
  const sources =
    input.sources.length === 0
      ? "(no sources were found)"
      : input.sources.map((source) => formatSource(source)).join("\n\n");
  return `${rules.join("\n")}\n\nSources:\n\n${sources}`;
}

function formatSource(source: RetrievedSource): string {
  const location = chunkLocation(source);
  const link = source.url ? `\nURL: ${source.url}` : "";
  return `[${source.index}] ${location}\nFile: ${source.path}${link}\n"""\n${source.text.replaceAll('"""', '"\u200b""')}\n"""`;
}
