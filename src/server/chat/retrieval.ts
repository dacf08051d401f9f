import type { Retriever } from "@/src/server/chat/chat-service";

const BASE_PROMPT =
  "You are Quire, an assistant that answers questions about the documentation this site serves. " +
  "Answer clearly and concisely in Markdown.";

/** The retriever the chat route uses. */
export const retrieveSources: Retriever = async () => ({ sources: [], system: BASE_PROMPT, mode: "none", weak: true });
