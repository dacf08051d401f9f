import { AppError } from "@/src/server/errors";
import { providerForToken, type Credential } from "@/src/server/auth/credential";
import { readStoredKey } from "@/src/server/auth/api-key-store";
import { hasSessionExpiredMarker, OAuthSessionExpiredError, resolveChutesSession } from "@/src/server/auth/chutes-session";
import type { ProviderId } from "@/src/shared/errors";

export interface ResolvedCredential {
  credential: Credential;
  /** Cookies to set on the response (e.g. a rotated OAuth session). */
  setCookies: string[];
}

/** The Bearer token of a request, or null when there is no Authorization header. */
export function bearerToken(request: Request): string | null {
  const header = request.headers.get("authorization");
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header.trim());
  if (!match?.[1]) {
    throw new AppError("invalid_credential", "The Authorization header must be `Bearer <key>`.", { status: 401 });
  }
  return match[1];
}

/** What one provider's slots yield: a credential, or the cookies that end an expired session. */
interface ProviderOutcome {
  credential: Credential | null;
  setCookies: string[];
  sessionExpired: boolean;
}

/**
 * The provider's slots, without a header: the API key cookie first, then (Chutes only)
 * the OAuth session, refreshed when it is about to expire (chutes-session.ts).
 */
async function resolveForProvider(request: Request, provider: ProviderId): Promise<ProviderOutcome> {
  const stored = await readStoredKey(request, provider);
  if (stored) return { credential: { provider, token: stored.token, source: "apiKey" }, setCookies: [], sessionExpired: false };
  if (provider !== "chutes") return { credential: null, setCookies: [], sessionExpired: false };
  const session = await resolveChutesSession(request);
  if (session.kind === "active") {
    return { credential: { provider, token: session.accessToken, source: "oauth" }, setCookies: session.setCookies, sessionExpired: false };
  }
  return { credential: null, setCookies: session.kind === "expired" ? session.setCookies : [], sessionExpired: session.kind === "expired" };
}

/**
 * The one place that decides which credential a request uses (the precedence rule):
 * 1. an explicit `Authorization: Bearer` header (provider inferred from the prefix);
 * 2. the Chutes API key cookie; 3. the Chutes OAuth session; 4. the OpenRouter key,
 * narrowed to the provider the request asked for when it named one.
 * Chat, embeddings, the model list and credit checks all call this.
 */
export async function resolveCredential(
  request: Request,
  options: { provider?: ProviderId } = {},
): Promise<ResolvedCredential | null> {
  const token = bearerToken(request);
  if (token !== null) {
    const provider = providerForToken(token);
    if (!provider) {
      throw new AppError(
        "invalid_credential",
        "Unrecognised key: use a Chutes key (cpk_…) or an OpenRouter key (sk-or-…).",
        { status: 401 },
      );
    }
    return { credential: { provider, token, source: "header" }, setCookies: [] };
  }
  const order: ProviderId[] = options.provider ? [options.provider] : ["chutes", "openrouter"];
  const setCookies: string[] = [];
  let sessionExpired = false;
  for (const provider of order) {
    const outcome = await resolveForProvider(request, provider);
    setCookies.push(...outcome.setCookies);
    if (outcome.credential) return { credential: outcome.credential, setCookies };
    sessionExpired ||= outcome.sessionExpired;
  }
  // A refresh that just failed is reported, not swallowed: the 401 carries the cookies that sign the browser out.
  if (sessionExpired) throw new OAuthSessionExpiredError(setCookies);
  return null;
}

/** Like resolveCredential, but a request without any credential is a 401 with a clear next step. */
export async function requireCredential(request: Request, options: { provider?: ProviderId } = {}): Promise<ResolvedCredential> {
  const resolved = await resolveCredential(request, options);
  if (resolved) return resolved;
  // The session ended on an earlier request; say so rather than "connect first".
  if (options.provider !== "openrouter" && hasSessionExpiredMarker(request)) throw new OAuthSessionExpiredError([]);
  const which = options.provider === "openrouter" ? "an OpenRouter key" : options.provider === "chutes" ? "Chutes" : "a provider";
  throw new AppError("invalid_credential", `Connect ${which} first: add an API key in Settings, or send \`Authorization: Bearer <key>\`.`, {
    provider: options.provider,
  });
}
