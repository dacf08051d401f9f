import "server-only";
import type { PGlite, Transaction } from "@electric-sql/pglite";
import { env } from "@/src/server/env";
import { openPglite, sharedBuffersFor, type PgliteOpenOptions } from "@/src/server/rag/store/pglite-setup";
import type { SqlClient, SqlExecutor } from "@/src/server/rag/store/sql-client";
import { EF_SEARCH_SETTING } from "@/src/server/rag/store/vector-table";

function wrap(target: PGlite | Transaction): SqlExecutor {
  return {
    async query(text, params) {
      const result = await target.query<Record<string, unknown>>(text, params);
      return result.rows;
    },
    async exec(text) {
      await target.exec(text);
    },
    async copyFrom(text, data) {
      await target.query(text, [], { blob: new Blob([data]) });
    },
  };
}

/** What every session of the embedded database runs first: pgvector, the HNSW candidate list. */
const PGLITE_SETUP_SQL = `CREATE EXTENSION IF NOT EXISTS vector; SET ${EF_SEARCH_SETTING};`;

/**
 * How the embedded database in `dataDir` opens, here and on the worker thread (which cannot read
 * the env or the server's modules): its setup SQL and the buffer pool QUIRE_PGLITE_SHARED_BUFFERS
 * asks for, sized from what is on disk now when `auto`.
 */
export function pgliteOpenOptions(dataDir: string | undefined): PgliteOpenOptions {
  return { dataDir, setupSql: PGLITE_SETUP_SQL, sharedBuffers: sharedBuffersFor(dataDir, env().QUIRE_PGLITE_SHARED_BUFFERS) };
}

/**
 * The embedded store: PostgreSQL compiled to WebAssembly, with pgvector and pg_trgm. `dataDir`
 * undefined means in memory (tests). The caller holds the data-dir lock (lock.ts).
 */
export async function openPgliteClient(dataDir: string | undefined): Promise<SqlClient> {
  return pgliteSqlClient(await openPglite(pgliteOpenOptions(dataDir)));
}

/** The store's SQL surface over an open PGlite (tests that also listen on it open their own). */
export function pgliteSqlClient(database: PGlite): SqlClient {
  const executor = wrap(database);
  return {
    kind: "pglite",
    ...executor,
    transaction: (work) => database.transaction((transaction) => work(wrap(transaction))),
    close: () => database.close(),
  };
}
