import "server-only";
import { z } from "zod";
import { parseCidr, type Cidr } from "@/src/server/security/ip-address";

/**
 * The grammar of the rate-limit environment variables, as zod schemas that
 * src/server/env.ts plugs into its envSchema (env.ts stays the one reader of
 * process.env; the grammar lives here, next to the code that uses it).
 */

/** `limit` requests per `windowMs`, or null when the limit is switched off. */
export type RateSpec = { limit: number; windowMs: number } | null;

const OFF = /^(off|false|no|none|disabled?)$/i;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000 } as const;
const MAX_WINDOW_MS = 24 * 3_600_000;

/**
 * `<count>/<window>`, where the window is a number and a unit (`s`, `m` or `h`;
 * the number may be left out for 1): `30/1m`, `10/10m`, `5/30s`, `1000/h`. `off` disables.
 */
export function rateSpec(fallback: string) {
  return z
    .string()
    .optional()
    .transform((value, context): RateSpec => {
      const text = value === undefined || value.trim() === "" ? fallback : value.trim();
      if (OFF.test(text)) return null;
      const match = /^(\d{1,7})\s*\/\s*(\d{0,5})\s*([smh])$/i.exec(text);
      const limit = Number(match?.[1]);
      const windowMs = Number(match?.[2] || "1") * UNIT_MS[(match?.[3]?.toLowerCase() ?? "s") as keyof typeof UNIT_MS];
      if (!match || limit < 1 || windowMs < 1000 || windowMs > MAX_WINDOW_MS) {
        context.addIssue({
          code: "custom",
          message: `must be "<count>/<window>" like "30/1m", "10/10m" or "5/30s" (count ≥ 1, window 1s–24h), or "off"; got "${text}"`,
        });
        return z.NEVER;
      }
      return { limit, windowMs };
    });
}

/** A positive whole number, or `off` (null) for no cap. */
export function capSpec(fallback: number, max: number) {
  return z
    .string()
    .optional()
    .transform((value, context): number | null => {
      const text = value === undefined || value.trim() === "" ? String(fallback) : value.trim();
      if (OFF.test(text)) return null;
      const cap = /^\d{1,7}$/.test(text) ? Number(text) : Number.NaN;
      if (!(cap >= 1 && cap <= max)) {
        context.addIssue({ code: "custom", message: `must be a whole number from 1 to ${max}, or "off"; got "${text}"` });
        return z.NEVER;
      }
      return cap;
    });
}

/**
 * Which X-Forwarded-For entries were written by our own proxies:
 * - `none`: no proxy; the client is the right-most entry (what `next start` wrote from the socket);
 * - `hops`: that many reverse proxies in a row in front of Quire; the client is the hops-th entry from the right;
 * - `ranges`: the client is the right-most entry that is not inside one of these proxy ranges.
 */
export type TrustProxy = { kind: "none" } | { kind: "hops"; hops: number } | { kind: "ranges"; ranges: Cidr[] };

const MAX_HOPS = 10;

/**
 * QUIRE_TRUST_PROXY: `false` (default; also `0`, `off`, `no`), `true` (= `1`),
 * a hop count `1`–`10`, or a comma-separated list of proxy IPs/CIDRs
 * (`10.0.0.0/8, 192.168.1.5, fd00::/8`).
 */
export const trustProxySchema = z
  .string()
  .optional()
  .transform((value, context): TrustProxy => {
    const text = value?.trim() ?? "";
    if (text === "" || text === "0" || /^(false|no|off)$/i.test(text)) return { kind: "none" };
    if (/^(true|yes|on)$/i.test(text)) return { kind: "hops", hops: 1 };
    if (/^\d+$/.test(text)) {
      const hops = Number(text);
      if (hops <= MAX_HOPS) return { kind: "hops", hops };
      context.addIssue({ code: "custom", message: `a hop count must be from 1 to ${MAX_HOPS}; got ${text}` });
      return z.NEVER;
    }
    const ranges: Cidr[] = [];
    for (const item of text.split(",").map((part) => part.trim()).filter((part) => part !== "")) {
      const parsed = parseCidr(item);
      if (typeof parsed === "string") {
        context.addIssue({
          code: "custom",
          message: `must be "false", "true", a hop count, or a comma list of proxy IPs/CIDRs: ${parsed}`,
        });
        return z.NEVER;
      }
      ranges.push(parsed);
    }
    return { kind: "ranges", ranges };
  });
