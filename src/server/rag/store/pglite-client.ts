import "server-only";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { vector } from "@electric-sql/pglite-pgvector";
import { env } from "@/src/server/env";
import { acceptBinaryVectors, autoSharedBuffers, pgliteStartParams } from "@/src/server/rag/store/pglite-setup";
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

function directoryBytes(directory: string): number {
  let total = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const at = path.join(directory, entry.name);
    if (entry.isDirectory()) total += directoryBytes(at);
    else if (entry.isFile()) total += statSync(at).size;
  }
  return total;
}

/** The buffer pool for the data dir (QUIRE_PGLITE_SHARED_BUFFERS; `auto` sizes it from what is on disk now). */
export function sharedBuffersFor(dataDir: string | undefined): string {
  const setting = env().QUIRE_PGLITE_SHARED_BUFFERS;
  if (setting !== "auto") return setting;
  return autoSharedBuffers(dataDir !== undefined && existsSync(dataDir) ? directoryBytes(dataDir) : 0);
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
  const database = await PGlite.create({ dataDir, extensions: { vector, pg_trgm }, startParams: pgliteStartParams(sharedBuffersFor(dataDir)) });
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
