import "server-only";
import type { StoreProvider } from "@/src/server/commands/stores";
import { getStore } from "@/src/server/rag/store";
import { runExclusiveSync } from "@/src/server/sync/sync-guard";

/**
 * Commands handed over by the CLI borrow the server's open store (and never close
 * it). An ingest takes the process's one sync slot, which the QUIRE_SYNC_INTERVAL
 * timer also takes, so the two never overlap: the ingest waits
 * for a tick that is running, and a tick skips while an ingest runs.
 */
export const serverStores: StoreProvider = {
  async use(access, work) {
    if (access.purpose === "ingest") return runExclusiveSync("quire ingest", async () => work(await getStore()), { wait: true });
    return work(await getStore());
  },
};
