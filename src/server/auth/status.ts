import "server-only";
import { readStoredKey } from "@/src/server/auth/api-key-store";
import { hasSessionExpiredMarker, isUsableSession, readChutesSession } from "@/src/server/auth/chutes-session";
import { winningSlot, type CredentialSlot } from "@/src/server/auth/precedence";
import { bearerToken } from "@/src/server/auth/resolve-credential";
import { providerForToken } from "@/src/server/credential";
import { env } from "@/src/server/env";
import type { AuthStatus } from "@/src/shared/auth";
import { DEFAULT_PROVIDER, type ProviderId } from "@/src/shared/providers";

/**
 * What the UI may know about the connected providers: hints and names, never a key or token.
 * It does not refresh the OAuth session (this answer sets no cookies); a session counts as
 * signed in while it is refreshable, and `sessionExpired` reports the marker a failed refresh left.
 * Which method is active comes from the same precedence list the resolver uses.
 */
export async function authStatus(request: Request): Promise<AuthStatus> {
  const [chutesKey, openRouterKey, session] = await Promise.all([
    readStoredKey(request, "chutes"),
    readStoredKey(request, "openrouter"),
    readChutesSession(request),
  ]);
  const oauth = session && isUsableSession(session) ? { username: session.username } : null;
  const filled = (slot: CredentialSlot): boolean =>
    slot.source === "oauth" ? oauth !== null : (slot.provider === "chutes" ? chutesKey : openRouterKey) !== null;
  const active = (provider: ProviderId) => winningSlot(filled, provider)?.source ?? null;
  return {
    activeProvider: winningSlot(filled)?.provider ?? null,
    chutes: {
      active: active("chutes"),
      apiKey: chutesKey
        ? { hint: chutesKey.hint, username: chutesKey.username ?? null, balance: chutesKey.balance ?? null }
        : null,
      oauth,
      oauthEnabled: env().oauthEnabled,
      sessionExpired: oauth === null && (hasSessionExpiredMarker(request) || session !== null),
    },
    openrouter: {
      active: active("openrouter") === "apiKey" ? "apiKey" : null,
      apiKey: openRouterKey
        ? { hint: openRouterKey.hint, limit: openRouterKey.limit ?? null, limitRemaining: openRouterKey.limitRemaining ?? null }
        : null,
    },
  };
}

/**
 * The provider a request would use, without refreshing anything: a Bearer key's
 * provider, else the winner of the precedence list, else DEFAULT_PROVIDER.
 */
export async function activeProvider(request: Request): Promise<ProviderId> {
  const token = bearerToken(request);
  if (token !== null) return providerForToken(token) ?? DEFAULT_PROVIDER;
  return (await authStatus(request)).activeProvider ?? DEFAULT_PROVIDER;
}
