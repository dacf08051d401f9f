import "server-only";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { Credential } from "@/src/server/credential";
import { chatBaseUrl, embeddingBaseUrl, embeddingModelId } from "@/src/server/providers/config";
import { env } from "@/src/server/env";

/**
 * One OpenAI-compatible adapter, configured per provider: a base URL, the
 * credential as a Bearer token, and an injectable fetch (the guard).
 */
type CompatibleProvider = ReturnType<typeof createOpenAICompatible>;
export type ChatModel = ReturnType<CompatibleProvider["chatModel"]>;
export type EmbeddingModel = ReturnType<CompatibleProvider["embeddingModel"]>;

function providerFor(credential: Credential, baseURL: string, fetchImpl?: typeof fetch) {
  const openRouterHeaders: Record<string, string> =
    credential.provider === "openrouter" ? { "HTTP-Referer": env().APP_URL, "X-Title": "Quire" } : {};
  return createOpenAICompatible({
    name: credential.provider,
    baseURL,
    apiKey: credential.token,
    headers: openRouterHeaders,
    includeUsage: true,
    ...(fetchImpl && { fetch: fetchImpl }),
  });
}

export function createChatModel(credential: Credential, modelId: string, fetchImpl?: typeof fetch): ChatModel {
  return providerFor(credential, chatBaseUrl(credential.provider), fetchImpl).chatModel(modelId);
}

export function createEmbeddingModel(credential: Credential, fetchImpl?: typeof fetch): EmbeddingModel {
  return providerFor(credential, embeddingBaseUrl(credential.provider), fetchImpl).embeddingModel(
    embeddingModelId(credential.provider),
  );
}
