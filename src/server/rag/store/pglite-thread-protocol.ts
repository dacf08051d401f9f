import "server-only";
/**
 * Messages between the server's main thread and the worker thread that owns the
 * embedded database (pglite-thread.ts, pglite-worker.ts). Both ends are this
 * codebase, in one process: the shapes are checked by the compiler, not parsed. Types only:
 * the worker imports nothing from the main thread's modules at run time.
 */

import type { PgliteOpenOptions } from "@/src/server/rag/store/pglite-setup";
import type { NearestQuery } from "@/src/server/rag/store/vector-memory";

/** The worker's startup data: how to open the database. */
export type PgliteWorkerData = PgliteOpenOptions;

export type PgliteRequest =
  | { id: number; op: "query"; text: string; params: unknown[] | undefined; tx: number | undefined }
  | { id: number; op: "exec"; text: string; tx: number | undefined }
  /** The vector search, from memory when current, else `text` (sql-client.ts `nearestInSpace`). */
  | { id: number; op: "nearest"; text: string; params: unknown[]; query: NearestQuery }
  /** Full text's packed lists by term, from memory when kept, else `text` (sql-client.ts `termLists`). */
  | { id: number; op: "lists"; text: string; params: unknown[]; terms: readonly string[] }
  /** A statement keyed by its first parameter, from memory when kept, else `text` (sql-client.ts `keyedRows`). */
  | { id: number; op: "keyed"; text: string; params: unknown[]; keys: readonly string[]; column: string; keepEmpty: boolean }
  /** Chunks' rows by id, from memory when current, else `text` (sql-client.ts `chunkRows`). */
  | { id: number; op: "rows"; text: string; params: unknown[]; ids: readonly string[] }
  /** `COPY … FROM '/dev/blob'` with `data` as the blob (sql-client.ts `copyFrom`). */
  | { id: number; op: "copy"; text: string; data: Uint8Array<ArrayBuffer>; tx: number | undefined }
  /** Opens a transaction: the reply's `tx` names it in later requests until `end`. */
  | { id: number; op: "begin" }
  | { id: number; op: "end"; tx: number; commit: boolean }
  | { id: number; op: "close" };

/** A PostgreSQL error's fields (SQLSTATE `code`, `detail`, …) that survive the thread boundary. */
export interface SerializedError {
  name: string;
  message: string;
  fields: Record<string, string | number>;
}

export type PgliteReply =
  | { id: number; ok: true; rows?: Record<string, unknown>[]; tx?: number }
  | { id: number; ok: false; error: SerializedError };

/** The reply id that says "the database is open" (or failed to open); requests count from 1. */
export type ReadyId = 0;
