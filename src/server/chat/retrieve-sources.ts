import "server-only";
import type { Retrieval, Retriever } from "@/src/server/chat/chat-service";
import { env } from "@/src/server/env";
import { log } from "@/src/server/log";
import { embedTexts } from "@/src/server/providers/embeddings";
import { buildSystemPrompt } from "@/src/server/rag/prompt";
import { retrieveForChat, type RetrievedSource } from "@/src/server/rag/retrieve/retrieve-for-chat";
import { getStore } from "@/src/server/rag/store";
import { safeHttpUrl } from "@/src/shared/safe-url";
import type { ChatSource } from "@/src/shared/sources";

/** Where a citation chip leads: the documentation URL, or Quire's own viewer of the chunk. */
function toChatSource(source: RetrievedSource): ChatSource {
  // An index built before URLs were checked may still hold a javascript: one; only http(s) leaves here.
  const url = safeHttpUrl(source.url);
  return {
    id: source.id,
    index: source.index,
    title: source.title,
    heading: source.heading,
    url,
    href: url ?? `/sources/${encodeURIComponent(source.id)}?path=${encodeURIComponent(source.path)}`,
    path: source.path,
    snippet: source.snippet,
    explain: source.explain,
  };
}

/**
 * The chat's retriever: the question (expanded for follow-ups) is embedded through
 * the same credential as the chat, then searched by vector and full text. Any
 * failure here degrades to full text, or to no sources — never to a failed chat.
 */
export const retrieveSources: Retriever = async ({ credential, messages, signal }): Promise<Retrieval> => {
  try {
    const store = await getStore();
    const result = await retrieveForChat({
      store,
      messages,
      embedQuery: async (text) => {
        // A slow embedding falls back to full text rather than holding the answer back.
        const embedded = await embedTexts(credential, [text], { signal, timeoutMs: env().QUIRE_QUERY_EMBED_TIMEOUT_MS });
        const [embedding] = embedded.embeddings;
        if (!embedding) throw new Error("the provider returned no embedding");
        return { embedding, model: embedded.model };
      },
    });
    if (result.fallbackReason) log().info({ reason: result.fallbackReason, provider: credential.provider }, "retrieval fell back to full text");
    return {
      sources: result.sources.map(toChatSource),
      system: buildSystemPrompt(result),
      mode: result.mode,
      weak: result.weak,
    };
  } catch (error) {
    log().error({ err: error }, "retrieval failed; answering without sources");
    return { sources: [], system: buildSystemPrompt({ sources: [], weak: true }), mode: "none", weak: true };
  }
};
