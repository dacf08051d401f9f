import "server-only";
import type { RetrievedSource } from "@/src/server/rag/retrieve/retrieve-for-chat";
import { chunkLocation } from "@/src/server/rag/types";

/**
 * The system prompt of a chat turn: numbered sources `[1]…[n]` and the rules for
 * citing them; the same words go to every model. Partial evidence is not absence:
 * the model answers what the sources support and names what is missing. Only a
 * weak retrieval (calibrated: the question's terms are largely absent from the
 * sources, see judge-retrieval.ts) lets it open with "not covered".
 */
export function buildSystemPrompt(input: { sources: RetrievedSource[]; weak: boolean }): string {
  const rules = [
    "You are Quire, an assistant that answers questions using the documentation excerpts below.",
    "Answer from the sources. Cite every claim that comes from a source with its number in square brackets, like [1] or [2][3], placed right after the claim.",
    "Cite only the numbers listed below and never invent a source, a link or a quotation.",
    "If the sources answer only part of the question, answer that part from them and then name what they leave out. Do not claim the documentation does not cover a question that the sources partly answer.",
    "Keep code, commands and names exactly as the sources write them. Answer in the language of the question.",
  ];
  if (input.weak || input.sources.length === 0) {
    rules.push(
      "IMPORTANT: the search found no passage about this question: most of its terms appear in none of the sources below. Unless a source does answer it after all, start your answer by saying plainly that the documentation does not cover it. Do not make up an answer; you may point to the closest source below if it helps, and suggest how the user could rephrase.",
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
