import "server-only";
import { registerPgliteThread } from "@/src/server/rag/store";
import { openPgliteThreadClient } from "@/src/server/rag/store/pglite-thread";

/**
 * Lets the server's store run PGlite on a worker thread (QUIRE_PGLITE_THREAD=worker). Imported
 * by start-up only (instrumentation), never by a page: see registerPgliteThread.
 */
export function enablePgliteThread(): void {
  registerPgliteThread(openPgliteThreadClient);
}
