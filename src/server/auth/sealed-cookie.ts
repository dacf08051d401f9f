import "server-only";
import { hkdfSync } from "node:crypto";
import { EncryptJWT, jwtDecrypt } from "jose";
import type { z } from "zod";
import { clearCookie, readCookie, serializeCookie, type CookieOptions } from "@/src/server/auth/cookies";
import { env } from "@/src/server/env";

/**
 * Cookies that hold secrets are sealed: encrypted and authenticated with
 * AES-256-GCM (JWE `dir`), under a key derived from SESSION_SECRET. The cookie
 * name is the audience, so a value sealed for one cookie is refused by another.
 * SESSION_SECRET_PREVIOUS still opens cookies sealed before a rotation.
 */
function cookieKey(secret: string): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", secret, "quire", "quire sealed cookie v1", 32));
}

const derived = new Map<string, Uint8Array>();

function keyOf(secret: string): Uint8Array {
  let key = derived.get(secret);
  if (!key) {
    if (derived.size > 4) derived.clear();
    key = cookieKey(secret);
    derived.set(secret, key);
  }
  return key;
}

/** The key that seals, then the keys that may still open (the current one first). */
function openingKeys(): Uint8Array[] {
  const { SESSION_SECRET, SESSION_SECRET_PREVIOUS } = env();
  return SESSION_SECRET_PREVIOUS ? [keyOf(SESSION_SECRET), keyOf(SESSION_SECRET_PREVIOUS)] : [keyOf(SESSION_SECRET)];
}

export async function seal(audience: string, payload: Record<string, unknown>, maxAgeSeconds: number): Promise<string> {
  return new EncryptJWT(payload)
    .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(`${maxAgeSeconds}s`)
    .encrypt(keyOf(env().SESSION_SECRET));
}

/** The payload of a sealed value, or null when it is missing, forged, expired or sealed for another cookie. */
export async function unseal(audience: string, value: string | undefined): Promise<Record<string, unknown> | null> {
  if (!value) return null;
  for (const key of openingKeys()) {
    try {
      const { payload } = await jwtDecrypt(value, key, { audience });
      return payload;
    } catch {
      // forged, expired, or sealed under the other key: try the next one
    }
  }
  return null;
}

export interface SealedCookieOptions<Schema extends z.ZodType<Record<string, unknown>>> extends Omit<CookieOptions, "maxAgeSeconds"> {
  /** The base name; cookies.ts adds the `__Host-` prefix on https. */
  name: string;
  schema: Schema;
  maxAgeSeconds: number;
}

export interface SealedCookie<Value> {
  /** The cookie's value, or null when it is absent, forged, expired, sealed for another cookie or malformed. */
  read(request: Request): Promise<Value | null>;
  /** The Set-Cookie header that stores `value`, sealed. */
  serialize(value: Value): Promise<string>;
  /** The Set-Cookie header that removes the cookie. */
  clear(): string;
}

/** One sealed, httpOnly cookie: seal → serialize, read → unseal → parse, and clear, written once. */
export function sealedCookie<Schema extends z.ZodType<Record<string, unknown>>>(
  options: SealedCookieOptions<Schema>,
): SealedCookie<z.infer<Schema>> {
  const { name, schema, ...cookieOptions } = options;
  return {
    async read(request) {
      const parsed = schema.safeParse(await unseal(name, readCookie(request, name, cookieOptions.path)));
      return parsed.success ? parsed.data : null;
    },
    async serialize(value) {
      return serializeCookie(name, await seal(name, value, cookieOptions.maxAgeSeconds), cookieOptions);
    },
    clear() {
      return clearCookie(name, cookieOptions.path);
    },
  };
}
