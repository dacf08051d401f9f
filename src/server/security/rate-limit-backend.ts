import "server-only";
import { env } from "@/src/server/env";
import { log } from "@/src/server/log";
import { connectPostgres } from "@/src/server/rag/store/postgres-client";
import { createPostgresRateLimitStore } from "@/src/server/security/rate-limit-postgres";
import { createMemoryRateLimitStore, type RateLimitStore } from "@/src/server/security/rate-limit-store";

export interface ResilientStoreOptions {
  /** Called on each failure of the primary store (connect or hit). */
  onError?: (error: unknown) => void;
  /** After a failed connect, how long to use the fallback before connecting again. */
  retryMs?: number;
  /** The clock for the retry delay (tests). */
  clock?: () => number;
}

/**
 * A shared store that degrades to a per-instance one. When PostgreSQL is down, refusing
 * every request would turn a database hiccup into an outage, and allowing every
 * request would switch the limits off; per-instance limits keep protecting each
 * instance until the database is back.
 */
export function createResilientStore(
  openPrimary: () => Promise<RateLimitStore>,
  fallback: RateLimitStore,
  options: ResilientStoreOptions = {},
): RateLimitStore {
  const retryMs = options.retryMs ?? 30_000;
  const clock = options.clock ?? Date.now;
  let primary: Promise<RateLimitStore> | undefined;
  let failedAt = Number.NEGATIVE_INFINITY;

  const current = (): Promise<RateLimitStore> | undefined => {
    if (primary === undefined && clock() - failedAt >= retryMs) {
      primary = openPrimary().catch((error: unknown) => {
        failedAt = clock();
        primary = undefined;
        throw error;
      });
    }
    return primary;
  };

  return {
    async hit(key, windowMs, now) {
      const opening = current();
      if (opening === undefined) return fallback.hit(key, windowMs, now);
      try {
        return await (await opening).hit(key, windowMs, now);
      } catch (error) {
        options.onError?.(error);
        return fallback.hit(key, windowMs, now);
      }
    },
    async close() {
      const opened = await primary?.catch(() => undefined);
      primary = undefined;
      await Promise.all([opened?.close(), fallback.close()]);
    },
  };
}

let lastWarning = Number.NEGATIVE_INFINITY;

/** One warning a minute at most: a database outage must not flood the log. */
function warnStoreDown(error: unknown): void {
  const now = Date.now();
  if (now - lastWarning < 60_000) return;
  lastWarning = now;
  log().warn({ err: error }, "rate-limit store on PostgreSQL unavailable; limits are per instance until it is back");
}

/** Connects and creates the table; a client whose table cannot be created is closed again. */
async function openPostgresRateLimitStore(databaseUrl: string): Promise<RateLimitStore> {
  const client = await connectPostgres(databaseUrl);
  try {
    return await createPostgresRateLimitStore(client, { ownsClient: true });
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  }
}

let shared: RateLimitStore | undefined;

/**
 * The process's store: PostgreSQL when DATABASE_URL is set (so that several instances
 * agree; a pool of its own, separate from the knowledge store's), else in memory.
 */
export function sharedRateLimitStore(): RateLimitStore {
  if (shared) return shared;
  const databaseUrl = env().DATABASE_URL;
  const memory = createMemoryRateLimitStore();
  shared =
    databaseUrl === undefined
      ? memory
      : createResilientStore(
          () => openPostgresRateLimitStore(databaseUrl),
          memory,
          { onError: warnStoreDown },
        );
  return shared;
}

/** Closes and forgets the process's store (tests, and a clean shutdown). */
export async function closeSharedRateLimitStore(): Promise<void> {
  const store = shared;
  shared = undefined;
  await store?.close();
}
