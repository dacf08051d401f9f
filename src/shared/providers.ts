import { z } from "zod";

/** The inference providers a user can connect. */
export const providerIdSchema = z.enum(["chutes", "openrouter"]);
export type ProviderId = z.infer<typeof providerIdSchema>;

/** The provider shown and asked when nothing is connected yet (the model list of a first visit). */
export const DEFAULT_PROVIDER: ProviderId = "chutes";

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
