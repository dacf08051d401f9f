import "server-only";
import pg from "pg";
import { isInsufficientPrivilege, StoreError, type SqlClient, type SqlExecutor } from "@/src/server/rag/store/sql-client";
import { EF_SEARCH_SETTING } from "@/src/server/rag/store/vector-table";

function wrap(target: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    async query(text, params) {
      const result = await target.query<Record<string, unknown>>(text, params);
      return result.rows;
    },
    async exec(text) {
      await target.query(text);
    },
  };
}

/** `postgres://user:secret@host/db` without the password, for messages and logs. */
export function redactDatabaseUrl(databaseUrl: string): string {
  try {
    const parsed = new URL(databaseUrl);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(invalid DATABASE_URL)";
  }
}

/**
 * Makes sure pgvector is there. Debian's PostgreSQL has no pgvector package, so
 * the common failure gets a message that says what to install rather than a
 * raw "could not open extension control file".
 */
async function ensurePgvector(client: SqlExecutor, where: string): Promise<void> {
  const available = await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
  if (available.length === 0) {
    throw new StoreError(
      "pgvector_missing",
      `The pgvector extension is not installed on the PostgreSQL server at ${where}. ` +
        "Install pgvector on that server (package postgresql-NN-pgvector from apt.postgresql.org, or build it from " +
        "source), or use a managed PostgreSQL that offers it, or unset DATABASE_URL to use the embedded store.",
    );
  }
  const trigram = await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'");
  if (trigram.length === 0) {
    throw new StoreError(
      "pg_trgm_missing",
      `The pg_trgm extension is not available on the PostgreSQL server at ${where}. It ships with PostgreSQL's contrib ` +
        "modules (Debian: the postgresql package; most managed services offer it); Quire uses it to correct typos in questions.",
    );
  }
  try {
    await client.exec("CREATE EXTENSION IF NOT EXISTS vector");
  } catch (error) {
    if (isInsufficientPrivilege(error)) {
      throw new StoreError(
        "pgvector_permission",
        `The pgvector extension is installed on ${where} but this user may not enable it. ` +
          "Run `CREATE EXTENSION vector;` once as a superuser in that database.",
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * A `pg` pool as a SqlClient, with no extension checks: what openPostgresClient
 * builds on, and what tests use to run the parts of the schema that need no
 * pgvector (the lexical index needs only pg_trgm) on a server that lacks it.
 * Throws StoreError `unreachable` when the server does not answer.
 */
export async function connectPostgres(databaseUrl: string): Promise<SqlClient> {
  const where = redactDatabaseUrl(databaseUrl);
  // Every connection searches at Quire's ef_search, so a vector search needs no SET (store-reads.ts).
  // extra_float_digits=3: float8 values come back exact whatever the role or database sets (full text's
  // posting lists take their idf from SQL and must compute with the very value the SQL scan uses).
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4, options: `-c ${EF_SEARCH_SETTING} -c extra_float_digits=3` });
  // An idle client that loses its connection must not crash the process.
  pool.on("error", () => undefined);
  try {
    await pool.query("SELECT 1");
  } catch (error) {
    await pool.end();
    throw new StoreError("unreachable", `Cannot connect to PostgreSQL at ${where}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return {
    kind: "postgres",
    ...wrap(pool),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await work(wrap(client));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** The server store: PostgreSQL with pgvector through `pg`, used when DATABASE_URL is set. */
export async function openPostgresClient(databaseUrl: string): Promise<SqlClient> {
  const client = await connectPostgres(databaseUrl);
  try {
    await ensurePgvector(client, redactDatabaseUrl(databaseUrl));
  } catch (error) {
    await client.close();
    throw error;
  }
  return client;
}
