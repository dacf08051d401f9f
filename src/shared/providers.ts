import type { ProviderId } from "@/src/shared/errors";

/** Provider facts both sides need: names, and the provider pages a user is sent to. */
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
