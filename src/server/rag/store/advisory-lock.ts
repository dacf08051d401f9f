import "server-only";
import pg from "pg";
import { redactDatabaseUrl } from "@/src/server/rag/store/postgres-client";

const INGEST_LOCK_KEY = 7_243_114_002;

/** Another writer holds the PostgreSQL index. */
export class IngestBusyError extends Error {
  constructor(where: string) {
    super(`Another \`quire ingest\` is writing to ${where}; wait for it to finish and try again.`);
    this.name = "IngestBusyError";
  }
}

/**
 * One writer per PostgreSQL index: a session advisory lock held on a dedicated
 * connection for the length of `work`. Fails at once rather than queueing.
 */
export async function withAdvisoryLock<T>(databaseUrl: string, work: () => Promise<T>): Promise<T> {
  const connection = new pg.Client({ connectionString: databaseUrl });
  connection.on("error", () => undefined);
  await connection.connect();
  try {
    const result = await connection.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [
      INGEST_LOCK_KEY,
    ]);
    if (result.rows[0]?.locked !== true) throw new IngestBusyError(redactDatabaseUrl(databaseUrl));
    try {
      return await work();
    } finally {
      await connection.query("SELECT pg_advisory_unlock($1)", [INGEST_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await connection.end().catch(() => undefined);
  }
}
