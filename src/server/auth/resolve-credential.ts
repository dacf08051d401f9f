import "server-only";
import { readStoredKey } from "@/src/server/auth/api-key-store";
import { hasSessionExpiredMarker, OAuthSessionExpiredError, resolveChutesSession } from "@/src/server/auth/chutes-session";
import { slotsInOrder, type CredentialSlot } from "@/src/server/auth/precedence";
import { providerForToken, type Credential } from "@/src/server/credential";
import { AppError } from "@/src/server/errors";
import type { ProviderId } from "@/src/shared/providers";

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

/** What one slot yields: a credential, or the cookies that end an expired session. */
interface SlotOutcome {
  credential: Credential | null;
  setCookies: string[];
  sessionExpired: boolean;
}

const EMPTY: SlotOutcome = { credential: null, setCookies: [], sessionExpired: false };

/** Reads one slot; the OAuth slot refreshes a session that is about to expire (chutes-session.ts). */
async function readSlot(request: Request, slot: CredentialSlot): Promise<SlotOutcome> {
  const { provider } = slot;
  if (slot.source === "apiKey") {
    const stored = await readStoredKey(request, provider);
    return stored ? { credential: { provider, token: stored.token, source: "apiKey" }, setCookies: [], sessionExpired: false } : EMPTY;
  }
  const session = await resolveChutesSession(request);
  if (session.kind === "active") {
    return { credential: { provider, token: session.accessToken, source: "oauth" }, setCookies: session.setCookies, sessionExpired: false };
  }
  return session.kind === "expired" ? { credential: null, setCookies: session.setCookies, sessionExpired: true } : EMPTY;
}

function headerCredential(token: string): Credential {
  const provider = providerForToken(token);
  if (!provider) {
    throw new AppError("invalid_credential", "Unrecognised key: use a Chutes key (cpk_…) or an OpenRouter key (sk-or-…).", {
      status: 401,
    });
  }
  return { provider, token, source: "header" };
}

/**
 * The credential a request uses: an explicit `Authorization: Bearer` header (provider
 * inferred from the prefix), else the first filled slot in the order of precedence.ts,
 * narrowed to the provider the request asked for when it named one. Chat, embeddings
 * and credit checks all call this.
 */
export async function resolveCredential(
  request: Request,
  options: { provider?: ProviderId } = {},
): Promise<ResolvedCredential | null> {
  const token = bearerToken(request);
  if (token !== null) return { credential: headerCredential(token), setCookies: [] };
  const setCookies: string[] = [];
  let sessionExpired = false;
  for (const slot of slotsInOrder(options.provider)) {
    const outcome = await readSlot(request, slot);
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
