import "server-only";
import { branding } from "@/src/server/branding/branding";
import { env } from "@/src/server/env";
import { starterQuestions } from "@/src/server/starter-questions";
import type { AppConfig } from "@/src/shared/app-config";

/**
 * The page's config from the environment: branding (QUIRE_TITLE, QUIRE_DESCRIPTION,
 * QUIRE_ACCENT_COLOR), the configured message limit the client must not guess, the
 * starter questions (the operator's, or drawn from the docs' titles) and follow-ups.
 */
export async function appConfig(): Promise<AppConfig> {
  const current = env();
  return {
    ...branding(),
    maxMessageChars: current.QUIRE_MAX_MESSAGE_CHARS,
    starterQuestions: await starterQuestions(),
    followUps: current.QUIRE_FOLLOW_UPS,
  };
}
