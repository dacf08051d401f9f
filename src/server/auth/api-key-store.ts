import "server-only";
import { z } from "zod";
import { cookieNames } from "@/src/server/auth/cookies";
import { sealedCookie } from "@/src/server/auth/sealed-cookie";
import type { ProviderId } from "@/src/shared/providers";

/** What the sealed key cookie holds: the key itself and what validation learned about it. */
export const storedKeySchema = z.object({
  token: z.string().min(1),
  hint: z.string(),
  username: z.string().nullish(),
  balance: z.number().nullish(),
  limit: z.number().nullish(),
  limitRemaining: z.number().nullish(),
  validatedAt: z.number(),
});
export type StoredKey = z.infer<typeof storedKeySchema>;

/** Keys stay until removed; half a year, renewed whenever the key is saved again. */
const KEY_COOKIE_MAX_AGE = 180 * 24 * 3600;

/**
 * SameSite=Strict: only Quire's own pages call the APIs that use a key, so no
 * cross-site request (not even a top-level navigation) ever needs to carry one.
 */
const keyCookies: Record<ProviderId, ReturnType<typeof keyCookie>> = {
  chutes: keyCookie(cookieNames.chutesKey),
  openrouter: keyCookie(cookieNames.openrouterKey),
};

function keyCookie(name: string) {
  return sealedCookie({ name, schema: storedKeySchema, maxAgeSeconds: KEY_COOKIE_MAX_AGE, sameSite: "Strict" });
}

export function readStoredKey(request: Request, provider: ProviderId): Promise<StoredKey | null> {
  return keyCookies[provider].read(request);
}

export function storedKeyCookie(provider: ProviderId, key: StoredKey): Promise<string> {
  return keyCookies[provider].serialize(key);
}

export function clearStoredKeyCookie(provider: ProviderId): string {
  return keyCookies[provider].clear();
}
