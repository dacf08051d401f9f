import "server-only";
import { providersInOrder } from "@/src/server/auth/precedence";
import type { Credential } from "@/src/server/credential";
import { env } from "@/src/server/env";
import type { ProviderId } from "@/src/shared/providers";

/**
 * The operator's credential for ingestion and the CLI: the environment's key of the
 * first provider in precedence order that has one (CHUTES_API_KEY, then
 * OPENROUTER_API_KEY), or null (ingestion then builds the full-text index only).
 */
export function operatorCredential(): Credential | null {
  const { CHUTES_API_KEY, OPENROUTER_API_KEY } = env();
  const keys: Record<ProviderId, string | undefined> = { chutes: CHUTES_API_KEY, openrouter: OPENROUTER_API_KEY };
  for (const provider of providersInOrder()) {
    const token = keys[provider];
    if (token) return { provider, token, source: "operator" };
  }
  return null;
}
