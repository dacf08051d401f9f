import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";

export interface AdminAccess {
  /** The port the endpoint listens on: a loopback Host header must name it. */
  port: number;
  /** Bound to loopback: then the Host header must be loopback too (DNS rebinding). */
  loopbackOnly: boolean;
  /** Accepted bearer tokens: the per-start token, and QUIRE_ADMIN_TOKEN when set. */
  tokens: readonly string[];
}

export interface AdminDenial {
  status: 401 | 403;
  code: "unauthorized" | "forbidden_host";
  message: string;
}

const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];

const digest = (value: string): Buffer => createHash("sha256").update(value, "utf8").digest();

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
function tokenMatches(presented: string, tokens: readonly string[]): boolean {
  const presentedDigest = digest(presented);
  let matched = false;
  for (const token of tokens) matched = timingSafeEqual(presentedDigest, digest(token)) || matched;
  return matched;
}

/**
 * The admin endpoint's two checks, in order: a loopback endpoint answers only to a
 * loopback Host (a web page that rebinds its own name to 127.0.0.1 sends its name),
 * then every request carries `Authorization: Bearer <token>`. Null: allowed.
 */
export function checkAdminRequest(headers: { host?: string; authorization?: string }, access: AdminAccess): AdminDenial | null {
  if (access.loopbackOnly) {
    const host = headers.host?.toLowerCase() ?? "";
    if (!LOOPBACK_NAMES.some((name) => host === `${name}:${access.port}`)) {
      return { status: 403, code: "forbidden_host", message: "The admin endpoint answers to loopback host names only." };
    }
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? "");
  if (match === null || !tokenMatches(match[1] ?? "", access.tokens)) {
    return { status: 401, code: "unauthorized", message: "A valid admin token is required (Authorization: Bearer, from admin.json or QUIRE_ADMIN_TOKEN)." };
  }
  return null;
}
