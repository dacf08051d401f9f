import { env } from "@/src/server/env";
import type { ProviderId } from "@/src/shared/errors";

export const providerLabels: Record<ProviderId, string> = { chutes: "Chutes", openrouter: "OpenRouter" };

/** Where a user adds credit when a provider answers 402. */
export const topUpUrls: Record<ProviderId, string> = {
  chutes: "https://chutes.ai/app/api/billing",
  openrouter: "https://openrouter.ai/settings/credits",
};

/** Where a user creates an API key. */
export const keyPageUrls: Record<ProviderId, string> = {
  chutes: "https://chutes.ai/app/api",
  openrouter: "https://openrouter.ai/settings/keys",
};

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
