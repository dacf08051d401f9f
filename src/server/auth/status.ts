import { readStoredKey } from "@/src/server/auth/api-key-store";
import { env } from "@/src/server/env";
import type { AuthStatus } from "@/src/shared/auth";

/** What the UI may know about the connected providers: hints and names, never a key or token. */
export async function authStatus(request: Request): Promise<AuthStatus> {
  const [chutesKey, openRouterKey] = await Promise.all([readStoredKey(request, "chutes"), readStoredKey(request, "openrouter")]);
  const oauth = null as { username: string | null } | null;
  return {
    chutes: {
      active: chutesKey ? "apiKey" : oauth ? "oauth" : null,
      apiKey: chutesKey
        ? { hint: chutesKey.hint, username: chutesKey.username ?? null, balance: chutesKey.balance ?? null }
        : null,
      oauth,
      oauthEnabled: env().oauthEnabled,
      sessionExpired: false,
    },
    openrouter: {
      active: openRouterKey ? "apiKey" : null,
      apiKey: openRouterKey
        ? { hint: openRouterKey.hint, limit: openRouterKey.limit ?? null, limitRemaining: openRouterKey.limitRemaining ?? null }
        : null,
    },
  };
}
