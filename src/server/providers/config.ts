import "server-only";
import { env } from "@/src/server/env";
import type { ProviderId } from "@/src/shared/providers";

export function chatBaseUrl(provider: ProviderId): string {
  return provider === "chutes" ? env().CHUTES_LLM_URL : env().OPENROUTER_API_URL;
}

export function embeddingBaseUrl(provider: ProviderId): string {
  return provider === "chutes" ? env().CHUTES_EMBED_URL : env().OPENROUTER_API_URL;
}

export function defaultChatModel(provider: ProviderId): string {
  return provider === "chutes" ? env().CHUTES_DEFAULT_MODEL : env().OPENROUTER_DEFAULT_MODEL;
}

export function embeddingModelId(provider: ProviderId): string {
  return provider === "chutes" ? env().CHUTES_EMBED_MODEL : env().OPENROUTER_EMBED_MODEL;
}
