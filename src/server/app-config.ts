import "server-only";
import { env } from "@/src/server/env";
import { DEFAULT_APP_CONFIG, type AppConfig } from "@/src/shared/app-config";

/**
 * The page's config from the environment. Branding, starter questions and follow-ups
 * are filled in by later work; for now the configured message limit is what the client
 * must not guess.
 */
export async function appConfig(): Promise<AppConfig> {
  const current = env();
  return { ...DEFAULT_APP_CONFIG, maxMessageChars: current.QUIRE_MAX_MESSAGE_CHARS };
}
