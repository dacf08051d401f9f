import { createHash, randomBytes } from "node:crypto";
import type { KeyRegistry } from "./types";

/** PROTOCOLS §1.1: the only shape of Chutes API key the real server accepts. */
export const CHUTES_KEY_PATTERN = /^cpk_[a-f0-9]{32}\.[a-f0-9]{32}\.[a-zA-Z0-9]{32}$/;
const OPENROUTER_V1_KEY_PATTERN = /^sk-or-v1-[a-f0-9]{64}$/;
const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function alphanumericFromBytes(bytes: Uint8Array, length: number): string {
  let result = "";
  for (let index = 0; index < length; index++) {
    // The slight modulo bias does not matter for fake credentials.
    result += ALPHANUMERIC[(bytes[index % bytes.length] ?? 0) % ALPHANUMERIC.length];
  }
  return result;
}

/** Unpredictable alphanumerics, for codes and tokens that must not be guessable across tests. */
export function randomAlphanumeric(length: number): string {
  return alphanumericFromBytes(randomBytes(length), length);
}

/** A stable UUID-shaped id derived from a seed, so the same user keeps the same id. */
export function uuidFromSeed(seed: string): string {
  const hex = sha256(seed).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The credential in an Authorization header. Chutes takes the last
 * space-separated token (PROTOCOLS §1.1), so "Bearer x" and a bare "x" both work.
 */
export function bearerToken(authorization: string | null): string | null {
  if (authorization === null) return null;
  const parts = authorization.trim().split(/\s+/);
  const last = parts[parts.length - 1];
  return last === undefined || last === "" ? null : last;
}

function usernameFromSeed(seed: string): string {
  const cleaned = seed
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-")
    .slice(0, 32);
  return cleaned === "" ? "user" : cleaned;
}

export class FakeKeyRegistry implements KeyRegistry {
  private readonly chutesSeeds = new Map<string, string>();
  private readonly managementKeys = new Set<string>();

  chutesKey(seed = "alice"): string {
    const first = sha256(`chutes-key-a:${seed}`).toString("hex").slice(0, 32);
    const second = sha256(`chutes-key-b:${seed}`).toString("hex").slice(0, 32);
    const secret = alphanumericFromBytes(sha256(`chutes-key-c:${seed}`), 32);
    const key = `cpk_${first}.${second}.${secret}`;
    this.chutesSeeds.set(key, seed);
    return key;
  }

  openrouterKey(seed = "alice", options: { management?: boolean } = {}): string {
    const purpose = options.management === true ? "management" : "inference";
    const key = `sk-or-v1-${sha256(`openrouter-${purpose}:${seed}`).toString("hex")}`;
    if (options.management === true) this.managementKeys.add(key);
    return key;
  }

  chutesUsername(key: string): string {
    const seed = this.chutesSeeds.get(key);
    // Keys not minted here still get a stable name, so /users/me is deterministic.
    return seed === undefined ? `user-${key.slice(4, 12)}` : usernameFromSeed(seed);
  }

  isWellFormedChutesKey(value: string): boolean {
    return CHUTES_KEY_PATTERN.test(value);
  }

  isValidOpenRouterKey(value: string): boolean {
    return OPENROUTER_V1_KEY_PATTERN.test(value) || (value.startsWith("sk-or-") && value.length >= 20);
  }

  isManagementKey(value: string): boolean {
    return this.managementKeys.has(value);
  }
}
