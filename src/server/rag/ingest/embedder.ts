import "server-only";
import type { Credential } from "@/src/server/credential";
import { embeddingModelId } from "@/src/server/providers/config";
import { embedTexts, type EmbeddingResult } from "@/src/server/providers/embeddings";

/**
 * Embeds a batch of texts. Injected into ingestion so tests can count and fail
 * calls. `model`, when known, is the model it will answer with: an index built
 * with another model is then re-embedded even when no chunk changed.
 */
export type EmbedFunction = ((texts: string[], options?: { signal?: AbortSignal }) => Promise<EmbeddingResult>) & {
  model?: string;
};
export type { EmbeddingResult };

/** Embeds one query text, for search. */
export type QueryEmbedder = (text: string) => Promise<{ embedding: number[]; model: string }>;

/** The embed function of a credential (the caller decides which: see auth/operator-credential.ts). */
export function embedderFor(credential: Credential): EmbedFunction {
  const embed: EmbedFunction = (texts, options) => embedTexts(credential, texts, options);
  embed.model = embeddingModelId(credential.provider);
  return embed;
}

/** The query embedder of a credential. */
export function queryEmbedderFor(credential: Credential): QueryEmbedder {
  const embed = embedderFor(credential);
  return async (text) => {
    const result = await embed([text]);
    const embedding = result.embeddings[0];
    if (embedding === undefined) throw new Error("The embedding provider returned no vector.");
    return { embedding, model: result.model };
  };
}
