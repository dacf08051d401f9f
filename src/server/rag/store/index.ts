import "server-only";
import path from "node:path";
import { env } from "@/src/server/env";
import { createKnowledgeStore, type KnowledgeStore } from "@/src/server/rag/store/knowledge-store";
import { acquireStoreLock, type LockPurpose, type LockTimings } from "@/src/server/rag/store/lock";
import { openPgliteClient } from "@/src/server/rag/store/pglite-client";
import { openPostgresClient, redactDatabaseUrl } from "@/src/server/rag/store/postgres-client";
import { LATEST_SCHEMA_VERSION, migrate, schemaVersion } from "@/src/server/rag/store/schema";
import { isInsufficientPrivilege, StoreError, type SqlClient } from "@/src/server/rag/store/sql-client";
import { withAdvisoryLock } from "@/src/server/rag/store/advisory-lock";

export type { KnowledgeStore, StoreStatus, DocumentRecord } from "@/src/server/rag/store/knowledge-store";
export { StoreError } from "@/src/server/rag/store/sql-client";
export { StoreLockedError } from "@/src/server/rag/store/lock";

export interface OpenStoreOptions {
  /** PGlite data dir; defaults to `<QUIRE_DATA_DIR>/index`. Ignored when a database URL is given. */
  dataDir?: string;
  /** PostgreSQL with pgvector; defaults to DATABASE_URL. */
  databaseUrl?: string;
  /** Skips migrations and refuses writes. PGlite still takes the data-dir lock: it cannot share a dir. */
  readOnly?: boolean;
  /** Recorded in the lock file, shown to a process that finds the dir taken. */
  purpose?: LockPurpose;
  /** In-memory PGlite (tests and benchmarks; on the worker thread too, with workerThread); takes no lock. */
  inMemory?: boolean;
  /**
   * Runs PGlite on a worker thread of its own (pglite-thread.ts) when the server has enabled it
   * (enablePgliteThread, at start-up): its queries then do not hold up the event loop that relays
   * answers. Otherwise, and for PostgreSQL, ignored.
   */
  workerThread?: boolean;
  /** Heartbeat and expiry of the data-dir lock (tests shorten them). */
  lock?: LockTimings;
}

/**
 * The worker-thread opener, handed over at server start-up (enable-pglite-thread.ts) through
 * globalThis: pages must not import pglite-thread.ts, or the bundler publishes the worker's
 * source as a client asset (`new URL(…, import.meta.url)` in a page is a browser file).
 */
const threadKey = Symbol.for("quire.openPgliteThread");
type ThreadOpener = (dataDir: string | undefined) => Promise<SqlClient>;
type ThreadHolder = { [threadKey]?: ThreadOpener };

export function registerPgliteThread(opener: ThreadOpener): void {
  (globalThis as ThreadHolder)[threadKey] = opener;
}

function threadOpener(): ThreadOpener | undefined {
  return (globalThis as ThreadHolder)[threadKey];
}

/** Where the embedded index lives inside QUIRE_DATA_DIR. */
export function defaultIndexDir(): string {
  return path.join(env().dataDir, "index");
}

/**
 * Opens the knowledge store: PostgreSQL when a database URL is given (or
 * DATABASE_URL is set), otherwise PGlite in the data dir under an exclusive
 * lock. Throws StoreLockedError when another process owns the dir, and
 * StoreError (e.g. `pgvector_missing`) when PostgreSQL cannot serve the index.
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<KnowledgeStore> {
  const readOnly = options.readOnly ?? false;
  const databaseUrl = options.databaseUrl ?? (options.dataDir === undefined && !options.inMemory ? env().DATABASE_URL : undefined);
  if (databaseUrl !== undefined) {
    const location = redactDatabaseUrl(databaseUrl);
    const client = await openPostgresClient(databaseUrl);
    await prepareSchema(client, readOnly, location);
    return createKnowledgeStore(client, {
      location,
      readOnly,
      exclusive: (work) => withAdvisoryLock(databaseUrl, work),
    });
  }
  const openThread = options.workerThread ? threadOpener() : undefined;
  if (options.inMemory) {
    const client = openThread ? await openThread(undefined) : await openPgliteClient(undefined);
    await prepareSchema(client, readOnly);
    return createKnowledgeStore(client, { location: "memory", readOnly, exclusive: (work) => work() });
  }
  const dataDir = path.resolve(/*turbopackIgnore: true*/ options.dataDir ?? defaultIndexDir());
  const lock = acquireStoreLock(path.dirname(dataDir), options.purpose ?? "cli", options.lock);
  try {
    const client = openThread ? await openThread(dataDir) : await openPgliteClient(dataDir);
    await prepareSchema(client, readOnly);
    const store = createKnowledgeStore(client, { location: dataDir, readOnly, exclusive: (work) => work() });
    return { ...store, close: () => store.close().finally(() => lock.release()) };
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function prepareSchema(client: SqlClient, readOnly: boolean, where = "the embedded store"): Promise<void> {
  try {
    if (!readOnly) await migrate(client);
    else {
      const version = await schemaVersion(client);
      if (version === 0) throw new StoreError("schema_missing", "The knowledge index is empty: run `npx quire ingest` first.");
      if (version < LATEST_SCHEMA_VERSION) {
        throw new StoreError(
          "schema_missing",
          "The knowledge index was written by an older version of Quire: run `npx quire ingest` or start the server once to upgrade it.",
        );
      }
    }
  } catch (error) {
    await client.close();
    // 42501 insufficient_privilege: PostgreSQL 15+ no longer lets every user create tables in `public`.
    if (isInsufficientPrivilege(error)) {
      throw new StoreError(
        "schema_permission",
        `This PostgreSQL user may not create Quire's tables at ${where} (${(error as Error).message}). ` +
          "Make the user the database's owner, or run once as a superuser in that database: " +
          "`GRANT CREATE ON SCHEMA public TO <user>; CREATE EXTENSION IF NOT EXISTS pg_trgm;`.",
        { cause: error },
      );
    }
    throw error;
  }
}

/** Kept on globalThis: Next.js dev reloads modules, and a second open of the same dir would be refused by the lock. */
const sharedKey = Symbol.for("quire.knowledgeStore");
const closedKey = Symbol.for("quire.knowledgeStore.closed");
type SharedHolder = { [sharedKey]?: Promise<KnowledgeStore>; [closedKey]?: boolean };

/** getStore() after closeStore(): the process is shutting down and must not take the lock again. */
export class StoreClosedError extends Error {
  constructor() {
    super("The knowledge store is closed: the server is shutting down.");
    this.name = "StoreClosedError";
  }
}

/**
 * The web server's store, opened once per process from env() (lock purpose
 * `server`). A failed open is forgotten so the next request tries again.
 */
export function getStore(): Promise<KnowledgeStore> {
  const holder = globalThis as SharedHolder;
  if (holder[closedKey]) return Promise.reject(new StoreClosedError());
  holder[sharedKey] ??= openStore({ purpose: "server", workerThread: env().QUIRE_PGLITE_THREAD === "worker" }).catch((error: unknown) => {
    holder[sharedKey] = undefined;
    throw error;
  });
  return holder[sharedKey];
}

/** Closes the shared store and forgets it, releasing the data-dir lock; a later getStore() opens it again (tests). */
export async function closeSharedStore(): Promise<void> {
  const holder = globalThis as SharedHolder;
  const pending = holder[sharedKey];
  holder[sharedKey] = undefined;
  if (pending) await (await pending).close();
}

/**
 * The final close at shutdown: like closeSharedStore, and from then on getStore()
 * refuses, so that a late request cannot reopen the store and take the lock again.
 * A store whose open had failed has nothing to close.
 */
export async function closeStore(): Promise<void> {
  (globalThis as SharedHolder)[closedKey] = true;
  const pending = (globalThis as SharedHolder)[sharedKey];
  (globalThis as SharedHolder)[sharedKey] = undefined;
  const store = await pending?.catch(() => undefined);
  await store?.close();
}
