import { readStoredKey } from "@/src/server/auth/api-key-store";
import { hasSessionExpiredMarker, isUsableSession, readChutesSession } from "@/src/server/auth/chutes-session";
import { env } from "@/src/server/env";
import type { AuthStatus } from "@/src/shared/auth";

/**
 * What the UI may know about the connected providers: hints and names, never a key or token.
 * It does not refresh the OAuth session (this answer sets no cookies); a session counts as
 * signed in while it is refreshable, and `sessionExpired` reports the marker a failed refresh left.
 */
export async function authStatus(request: Request): Promise<AuthStatus> {
  const [chutesKey, openRouterKey, session] = await Promise.all([
    readStoredKey(request, "chutes"),
    readStoredKey(request, "openrouter"),
    readChutesSession(request),
  ]);
  const oauth = session && isUsableSession(session) ? { username: session.username } : null;
  return {
    chutes: {
      active: chutesKey ? "apiKey" : oauth ? "oauth" : null,
      apiKey: chutesKey
        ? { hint: chutesKey.hint, username: chutesKey.username ?? null, balance: chutesKey.balance ?? null }
        : null,
      oauth,
      oauthEnabled: env().oauthEnabled,
      sessionExpired: oauth === null && (hasSessionExpiredMarker(request) || session !== null),
    },
    openrouter: {
      active: openRouterKey ? "apiKey" : null,
      apiKey: openRouterKey
        ? { hint: openRouterKey.hint, limit: openRouterKey.limit ?? null, limitRemaining: openRouterKey.limitRemaining ?? null }
        : null,
    },
  };
}
