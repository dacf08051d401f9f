import "server-only";
import { openStore, type KnowledgeStore } from "@/src/server/rag/store";

/** What a command needs the store for: an ingest writes; status and search only read. */
export interface StoreAccess {
  purpose: "ingest" | "cli";
  readOnly?: boolean;
}

/**
 * Where a command gets its store. The CLI opens one of its own and closes it after
 * (localStores); inside the server, the command borrows the server's open store
 * (src/server/admin/server-stores.ts). The command code is the same either way.
 */
export interface StoreProvider {
  use<T>(access: StoreAccess, work: (store: KnowledgeStore) => Promise<T>): Promise<T>;
}

/** Opens the store for this one command (PGlite under the data-dir lock, or DATABASE_URL) and closes it after. */
export const localStores: StoreProvider = {
  async use(access, work) {
    const store = await openStore({ purpose: access.purpose, readOnly: access.readOnly });
    try {
      return await work(store);
    } finally {
      await store.close();
    }
  },
};
