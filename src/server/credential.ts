import "server-only";
import type { CredentialKind } from "@/src/shared/credentials";
import type { ProviderId } from "@/src/shared/providers";

/**
 * A provider credential for one request. The token is a secret: it lives only here,
 * in the sealed cookie and in the outgoing Authorization header, and is never logged.
 * Which credential a request gets is decided in `auth/` alone; providers and rag only
 * receive one.
 */
export interface Credential {
  provider: ProviderId;
  token: string;
  source: CredentialKind;
}

/** Infers the provider from a key's prefix: `cpk_`/`cak_` → Chutes, `sk-or-` → OpenRouter. */
export function providerForToken(token: string): ProviderId | null {
  if (token.startsWith("cpk_") || token.startsWith("cak_")) return "chutes";
  if (token.startsWith("sk-or-")) return "openrouter";
  return null;
}

/** A masked hint that is safe to show: prefix and last four characters, e.g. `cpk_…f3a9`. */
export function maskToken(token: string): string {
  const prefix = token.startsWith("sk-or-v1-") ? "sk-or-v1-" : token.startsWith("sk-or-") ? "sk-or-" : token.slice(0, 4);
  return `${prefix}…${token.slice(-4)}`;
}
