import type { Credential } from "@/src/server/auth/credential";
import { env } from "@/src/server/env";
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

/**
 * The operator's credential for ingestion: CHUTES_API_KEY, else OPENROUTER_API_KEY,
 * else null (ingestion then builds the full-text index only).
 */
export function operatorCredential(): Credential | null {
  const { CHUTES_API_KEY, OPENROUTER_API_KEY } = env();
  if (CHUTES_API_KEY) return { provider: "chutes", token: CHUTES_API_KEY, source: "operator" };
  if (OPENROUTER_API_KEY) return { provider: "openrouter", token: OPENROUTER_API_KEY, source: "operator" };
  return null;
}

/** The embed function for the operator's key, or null without one. */
export function operatorEmbedder(): EmbedFunction | null {
  const credential = operatorCredential();
  if (credential === null) return null;
  const embed: EmbedFunction = (texts, options) => embedTexts(credential, texts, options);
  embed.model = embeddingModelId(credential.provider);
  return embed;
}

/** The query embedder for the operator's key (CLI search), or null without one. */
export function operatorQueryEmbedder(): ((text: string) => Promise<{ embedding: number[]; model: string }>) | null {
  const embed = operatorEmbedder();
  if (embed === null) return null;
  return async (text) => {
    const result = await embed([text]);
    const embedding = result.embeddings[0];
    if (embedding === undefined) throw new Error("The embedding provider returned no vector.");
    return { embedding, model: result.model };
  };
}
