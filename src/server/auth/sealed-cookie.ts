import { hkdfSync } from "node:crypto";
import { EncryptJWT, jwtDecrypt } from "jose";
import { env } from "@/src/server/env";

/**
 * Cookies that hold secrets are sealed: encrypted and authenticated with
 * AES-256-GCM (JWE `dir`), under a key derived from SESSION_SECRET. The cookie
 * name is the audience, so a value sealed for one cookie is refused by another.
 */
function cookieKey(secret: string): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", secret, "quire", "quire sealed cookie v1", 32));
}

let cachedKey: { secret: string; key: Uint8Array } | undefined;

function currentKey(): Uint8Array {
  const secret = env().SESSION_SECRET;
  if (cachedKey?.secret !== secret) cachedKey = { secret, key: cookieKey(secret) };
  return cachedKey.key;
}

export async function seal(name: string, payload: Record<string, unknown>, maxAgeSeconds: number): Promise<string> {
  return new EncryptJWT(payload)
    .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
    .setAudience(name)
    .setIssuedAt()
    .setExpirationTime(`${maxAgeSeconds}s`)
    .encrypt(currentKey());
}

/** The payload of a sealed value, or null when it is missing, forged, expired or sealed for another cookie. */
export async function unseal(name: string, value: string | undefined): Promise<Record<string, unknown> | null> {
  if (!value) return null;
  try {
    const { payload } = await jwtDecrypt(value, currentKey(), { audience: name });
    return payload;
  } catch {
    return null;
  }
}
