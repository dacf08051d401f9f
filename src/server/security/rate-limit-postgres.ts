import "server-only";
import { z } from "zod";
import type { SqlClient, SqlExecutor } from "@/src/server/rag/store/sql-client";
import { windowOf, type RateLimitStore } from "@/src/server/security/rate-limit-store";

/**
 * Fixed-window counters in PostgreSQL, so that several Quire instances behind a
 * load balancer share one limit. One row per key; one atomic upsert per hit.
 *
 * UNLOGGED: counters are worthless after a crash (PostgreSQL empties unlogged
 * tables on crash recovery, which merely resets the limits), and skipping the WAL
 * makes each hit cheap. Keys are rule names with an IP or a credential's SHA-256,
 * never a secret.
 */
export const RATE_LIMIT_TABLE = "quire_rate_limits";

const SCHEMA = `
CREATE UNLOGGED TABLE IF NOT EXISTS ${RATE_LIMIT_TABLE} (
  key text PRIMARY KEY,
  window_start bigint NOT NULL,
  reset_at bigint NOT NULL,
  count integer NOT NULL
);
CREATE INDEX IF NOT EXISTS ${RATE_LIMIT_TABLE}_reset_at ON ${RATE_LIMIT_TABLE} (reset_at);
`;

/**
 * The row lock taken by ON CONFLICT DO UPDATE serialises concurrent hits on a key,
 * so every hit gets a distinct count. A hit from a later window starts the count
 * again. A hit that computes an earlier window (an instance whose clock lags) counts
 * in the row's current window instead of moving it back, so skewed clocks cannot
 * make the window flap.
 */
const HIT = `
INSERT INTO ${RATE_LIMIT_TABLE} AS r (key, window_start, reset_at, count) VALUES ($1, $2, $3, 1)
ON CONFLICT (key) DO UPDATE SET
  count = CASE WHEN EXCLUDED.window_start > r.window_start THEN 1 ELSE r.count + 1 END,
  window_start = GREATEST(r.window_start, EXCLUDED.window_start),
  reset_at = GREATEST(r.reset_at, EXCLUDED.reset_at)
RETURNING count, reset_at`;

// pg returns bigint as a string, PGlite as a number: accept both.
const hitRow = z.object({ count: z.coerce.number().int(), reset_at: z.coerce.number().int() });

const PRUNE_GRACE_MS = 60_000;

/**
 * PostgreSQL error codes that a concurrent CREATE … IF NOT EXISTS can raise although it then exists:
 * a unique violation in the catalog, the table, or its row type ("type … already exists", 42710).
 */
const CONCURRENT_CREATE = new Set(["23505", "42P07", "42710"]);

async function ensureTable(sql: SqlExecutor): Promise<void> {
  try {
    await sql.exec(SCHEMA);
  } catch (error) {
    // Two instances starting together race in the catalog; the loser sees a duplicate.
    if (!CONCURRENT_CREATE.has((error as { code?: string }).code ?? "")) throw error;
    await sql.exec(SCHEMA);
  }
}

export interface PostgresStoreOptions {
  /** How often (at most) this instance deletes expired rows; default one minute. */
  pruneIntervalMs?: number;
  /** Whether close() also closes the client (true when the store opened it). */
  ownsClient?: boolean;
}

/** Creates the table if needed and returns the store. */
export async function createPostgresRateLimitStore(sql: SqlClient, options: PostgresStoreOptions = {}): Promise<RateLimitStore> {
  await ensureTable(sql);
  const pruneIntervalMs = options.pruneIntervalMs ?? 60_000;
  let lastPrune = Number.NEGATIVE_INFINITY;

  const prune = async (now: number) => {
    if (now - lastPrune < pruneIntervalMs) return;
    lastPrune = now;
    // A failed clean-up must not fail the request; the next interval tries again. The grace
    // keeps an instance whose clock runs ahead from deleting windows that others still count in.
    await sql.query(`DELETE FROM ${RATE_LIMIT_TABLE} WHERE reset_at <= $1`, [now - PRUNE_GRACE_MS]).catch(() => undefined);
  };

  return {
    async hit(key, windowMs, now) {
      const window = windowOf(windowMs, now);
      const rows = await sql.query(HIT, [key, window.start, window.resetAt]);
      const row = hitRow.parse(rows[0]);
      await prune(now);
      return { count: row.count, resetAt: row.reset_at };
    },
    async close() {
      if (options.ownsClient) await sql.close();
    },
  };
}
