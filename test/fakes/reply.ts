import { z } from "zod";

/** Lenient OpenAI-style chat body: only what the fakes read is checked. */
export const chatBodySchema = z.looseObject({
  model: z.string().nullish(),
  messages: z
    .array(
      z.looseObject({
        role: z.string(),
        content: z
          .union([z.string(), z.array(z.looseObject({ type: z.string(), text: z.string().nullish() }))])
          .nullish(),
      }),
    )
    .min(1),
  stream: z.boolean().nullish(),
  max_tokens: z.number().int().positive().nullish(),
  chat_template_kwargs: z.looseObject({ thinking: z.boolean().nullish() }).nullish(),
  reasoning: z.looseObject({ exclude: z.boolean().nullish(), enabled: z.boolean().nullish() }).nullish(),
  include_reasoning: z.boolean().nullish(),
});

export type ChatBody = z.infer<typeof chatBodySchema>;
type ChatMessage = ChatBody["messages"][number];

export function messageText(message: ChatMessage): string {
  const { content } = message;
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  return content.map((part) => part.text ?? "").join("");
}

export function lastUserMessage(messages: ChatMessage[]): string {
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index];
    if (message?.role === "user") return messageText(message);
  }
  return "";
}

/**
 * Deterministic, long enough to stream in many tokens, and citing [1] so that
 * source-citation rendering can be tested end to end.
 */
export function defaultReply(question: string): string {
  const topic = question.replace(/\s+/g, " ").trim().slice(0, 60);
  return (
    `Based on the documentation [1], here is what I found about "${topic}". ` +
    "The relevant section explains how it works and which settings matter, so start there and follow the steps it lists [1]."
  );
}

/** Word tokens that keep their leading spaces, so joining them gives back the text. */
export function splitIntoTokens(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/** A rough token count (words), good enough for usage fields. */
export function countTokens(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}

export function promptTokenCount(messages: ChatMessage[]): number {
  return messages.reduce((total, message) => total + countTokens(messageText(message)) + 3, 0);
}
