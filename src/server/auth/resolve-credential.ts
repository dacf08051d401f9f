import { AppError } from "@/src/server/errors";
import { providerForToken, type Credential } from "@/src/server/auth/credential";
import { readStoredKey } from "@/src/server/auth/api-key-store";
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

/** Resolves the credential for the provider, without a header: the Chutes API key wins over OAuth. */
async function resolveForProvider(request: Request, provider: ProviderId): Promise<ResolvedCredential | null> {
  const stored = await readStoredKey(request, provider);
  if (stored) return { credential: { provider, token: stored.token, source: "apiKey" }, setCookies: [] };
  return null;
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
  for (const provider of order) {
    const resolved = await resolveForProvider(request, provider);
    if (resolved) return resolved;
  }
  return null;
}

/** Like resolveCredential, but a request without any credential is a 401 with a clear next step. */
export async function requireCredential(request: Request, options: { provider?: ProviderId } = {}): Promise<ResolvedCredential> {
  const resolved = await resolveCredential(request, options);
  if (resolved) return resolved;
  const which = options.provider === "openrouter" ? "an OpenRouter key" : options.provider === "chutes" ? "Chutes" : "a provider";
  throw new AppError("invalid_credential", `Connect ${which} first: add an API key in Settings, or send \`Authorization: Bearer <key>\`.`, {
    provider: options.provider,
  });
}
