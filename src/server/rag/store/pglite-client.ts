import "server-only";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { vector } from "@electric-sql/pglite-pgvector";
import { env } from "@/src/server/env";
import { acceptBinaryVectors, pgliteStartParams, sharedBuffersFor } from "@/src/server/rag/store/pglite-setup";
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

/**
 * The embedded store: PostgreSQL compiled to WebAssembly, with pgvector and pg_trgm. `dataDir`
 * undefined means in memory (tests). The caller holds the data-dir lock (lock.ts).
 */
export async function openPgliteClient(dataDir: string | undefined): Promise<SqlClient> {
  if (dataDir !== undefined) {
    // PGlite creates only the last directory level.
    mkdirSync(path.dirname(path.resolve(/*turbopackIgnore: true*/ dataDir)), { recursive: true });
  }
  const database = await PGlite.create({
    dataDir,
    extensions: { vector, pg_trgm },
    startParams: pgliteStartParams(sharedBuffersFor(dataDir, env().QUIRE_PGLITE_SHARED_BUFFERS)),
  });
  await database.exec(`CREATE EXTENSION IF NOT EXISTS vector; SET ${EF_SEARCH_SETTING};`);
  await acceptBinaryVectors(database);
  const executor = wrap(database);
  return {
    kind: "pglite",
    ...executor,
    transaction: (work) => database.transaction((transaction) => work(wrap(transaction))),
    close: () => database.close(),
  };
}
