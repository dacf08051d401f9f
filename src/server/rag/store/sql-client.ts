import "server-only";
import type { NearestQuery } from "@/src/server/rag/store/vector-memory";

/**
 * The little SQL surface that the knowledge store needs. PGlite and `pg` both
 * implement it, so the store's SQL (schema, migrations, queries) is written once.
 */
export interface SqlExecutor {
  /** Runs one parameterised statement and returns its rows (untyped: callers parse them with zod). */
  query(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Runs a script of several statements without parameters. */
  exec(text: string): Promise<void>;
  /**
   * Runs `COPY … FROM '/dev/blob'` with `data` as its input (PGlite only: `pg` has no COPY
   * without another package; it sends Buffer parameters in binary instead, store-writes.ts).
   */
  copyFrom?(text: string, data: Uint8Array<ArrayBuffer>): Promise<void>;
  /**
   * The question terms' packed lists (term-impacts.ts's statement, `text` with `params`), from those
   * kept in memory when every term is (the embedded store on its worker thread: search-memory.ts).
   * Absent: the statement runs as it is.
   */
  termLists?(text: string, params: unknown[], terms: readonly string[]): Promise<Record<string, unknown>[]>;
  /**
   * A statement whose rows each belong to one of the keys in its first parameter, by `column`'s value
   * (typo corrections' candidates by term), from those kept in memory when every key is (the embedded
   * store on its worker thread: search-memory.ts). Absent: the statement runs as it is.
   */
  keyedRows?(text: string, params: unknown[], read: { keys: readonly string[]; column: string; keepEmpty: boolean }): Promise<Record<string, unknown>[]>;
  /**
   * Chunks' rows by id (`text` with `params`: id, path, title, heading, url, content), from those held
   * in memory when they are current and hold every id (the embedded store on its worker thread:
   * vector-memory.ts, search-memory.ts). Absent: the statement runs as it is.
   */
  chunkRows?(text: string, params: unknown[], ids: readonly string[]): Promise<Record<string, unknown>[]>;
}

export interface SqlClient extends SqlExecutor {
  readonly kind: "pglite" | "postgres";
  /** Runs `work` in one transaction on one connection; rolls back if it throws. */
  transaction<T>(work: (executor: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * The search of store-reads.ts's `searchVectorInSpace` (`text` with `params`), answered from
   * vectors held in memory when they are current, in the same rows, found by an exact scan (the
   * statement may use the HNSW index; the embedded store on its worker thread: vector-memory.ts).
   * Absent: the statement runs as it is.
   */
  nearestInSpace?(text: string, params: unknown[], query: NearestQuery): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** PostgreSQL's SQLSTATE 42501 (insufficient_privilege), as both `pg` and PGlite report it in `code`. */
export function isInsufficientPrivilege(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === "42501";
}

/** Why the store could not be opened; the message is meant for the operator. */
export type StoreErrorReason = "pgvector_missing" | "pg_trgm_missing" | "pgvector_permission" | "schema_permission" | "unreachable" | "schema_missing" | "read_only";

export class StoreError extends Error {
  constructor(
    readonly reason: StoreErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "StoreError";
  }
}
