import "server-only";
import { z } from "zod";

/**
 * QUIRE_SYNC_INTERVAL: a number and a unit (`45s`, `30m`, `6h`, `1d`), from 1 s
 * to 30 days; absent, empty or `off` switches the server's re-sync off. Parsed to
 * milliseconds (null when off). src/server/env.ts plugs it into its schema.
 */
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MAX_INTERVAL_MS = 30 * UNIT_MS.d;

export const syncIntervalSchema = z
  .string()
  .optional()
  .transform((value, context) => {
    const text = value?.trim().toLowerCase() ?? "";
    if (text === "" || text === "off") return null;
    const match = /^(\d+)\s*(s|m|h|d)$/.exec(text);
    const milliseconds = match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : Number.NaN;
    if (!(milliseconds >= UNIT_MS.s && milliseconds <= MAX_INTERVAL_MS)) {
      context.addIssue({ code: "custom", message: `must be a duration like "45s", "30m", "6h" or "1d" (1s to 30d), or "off"; got "${value}"` });
      return z.NEVER;
    }
    return milliseconds;
  });
