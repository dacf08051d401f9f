import { z } from "zod";
import { cookieNames, clearCookie, readCookies, serializeCookie } from "@/src/server/auth/cookies";
import { seal, unseal } from "@/src/server/auth/sealed-cookie";
import type { ProviderId } from "@/src/shared/errors";

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

function cookieName(provider: ProviderId): string {
  return provider === "chutes" ? cookieNames.chutesKey : cookieNames.openrouterKey;
}

export async function readStoredKey(request: Request, provider: ProviderId): Promise<StoredKey | null> {
  const name = cookieName(provider);
  const payload = await unseal(name, readCookies(request).get(name));
  const parsed = storedKeySchema.safeParse(payload);
  return parsed.success ? parsed.data : null;
}

export async function storedKeyCookie(provider: ProviderId, key: StoredKey): Promise<string> {
  const name = cookieName(provider);
  return serializeCookie(name, await seal(name, key, KEY_COOKIE_MAX_AGE), { maxAgeSeconds: KEY_COOKIE_MAX_AGE });
}

export function clearStoredKeyCookie(provider: ProviderId): string {
  return clearCookie(cookieName(provider));
}
