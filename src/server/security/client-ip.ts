import "server-only";
import { createHash } from "node:crypto";
import { env } from "@/src/server/env";
import { addressMatcher, ipRateLimitKey, normalizeIp } from "@/src/server/security/ip-address";
import type { TrustProxy } from "@/src/server/security/rate-limit-spec";

/**
 * Who is asking, for rate limits: the client address and, when the request
 * carries one, a hash of its credential.
 *
 * Where the address comes from. A Next.js route handler gets no socket address:
 * `next start` (16.x, base-server.js) does `x-forwarded-for ??= socket.remoteAddress`.
 * So it writes the peer address ONLY when the request has no X-Forwarded-For, and
 * it never appends. (Checked against a real `next start`: `curl -H 'X-Forwarded-For: 6.6.6.6'`
 * reaches the handler as "6.6.6.6".) Therefore:
 * - the right-most entry is the only one that anything but the client may have written:
 *   our own proxy's append (trusted proxy) or Next's socket fill-in (no proxy);
 * - entries further left were written by the client unless our own proxies put them there,
 *   which is what QUIRE_TRUST_PROXY declares; with `hops`, the client is the hops-th
 *   entry from the right (the last proxy's own address is never in the list: Next
 *   does not append it);
 * - with no trusted proxy, a client that talks to Next directly can still forge that one
 *   entry. Nothing in the request can tell a forged value from Next's; only a proxy that
 *   sets the header (and a Quire reachable only through it) fixes that. This is why
 *   key checks also have a global, per-server limit (rate-limit-rules.ts).
 */

export interface ClientIdentity {
  /** The client address, canonical (IPv4-mapped IPv6 as IPv4), or null when none could be read. For logs. */
  readonly ip: string | null;
  /** The rate-limit subject of the address: the IPv4 address, the IPv6 /64, or "unknown" (all unknowns share one bucket). */
  readonly ipKey: string;
  /** SHA-256 (hex) of the credential, or null. The credential itself is never kept. */
  readonly credentialKey: string | null;
}

/** The entries of all X-Forwarded-For headers, in order (Headers.get joins repeated headers with ", "). */
function forwardedFor(headers: Headers): string[] {
  const value = headers.get("x-forwarded-for");
  if (!value) return [];
  // Bound the work on an attacker-sized header: only the right-most entries can matter.
  return value
    .split(",")
    .slice(-64)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}

/** The client address by the rules above, or null when the chosen entry is not an IP. */
export function clientIp(headers: Headers, trust: TrustProxy): string | null {
  const entries = forwardedFor(headers);
  if (entries.length === 0) return null;
  let chosen: string | undefined;
  if (trust.kind === "none") chosen = entries.at(-1);
  else if (trust.kind === "hops") chosen = entries[Math.max(0, entries.length - trust.hops)];
  else {
    const trusted = addressMatcher(trust.ranges);
    // Right to left: skip our proxies; the first hop that is not one of them is the client.
    // Left-to-right would let a client prepend an address of our own proxies and pick the "client".
    chosen = [...entries].reverse().find((entry) => {
      const address = normalizeIp(entry);
      return address === null || !trusted(address);
    });
    chosen ??= entries[0];
  }
  return chosen === undefined ? null : normalizeIp(chosen);
}

/**
 * Domain-separated so that a stored hash cannot be matched against another
 * system's plain SHA-256 fingerprints of the same key.
 */
export function hashCredential(credential: string): string {
  return createHash("sha256").update(`quire-rate-limit\0${credential}`).digest("hex");
}

export interface IdentifyOptions {
  /** The key or token the request uses, if any; only its hash is kept. */
  credential?: string | null;
  /** Defaults to QUIRE_TRUST_PROXY. */
  trust?: TrustProxy;
}

/** The identity of a request, for checkRateLimit and acquireStreamSlot. */
export function clientIdentity(request: Request, options: IdentifyOptions = {}): ClientIdentity {
  const ip = clientIp(request.headers, options.trust ?? env().QUIRE_TRUST_PROXY);
  const credential = options.credential?.trim();
  return {
    ip,
    ipKey: ip === null ? "unknown" : ipRateLimitKey(ip),
    credentialKey: credential ? hashCredential(credential) : null,
  };
}
