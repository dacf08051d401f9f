import { createKnowledgeStore, type KnowledgeStore } from "@/src/server/rag/store/knowledge-store";
import { pgliteOpenOptions, pgliteSqlClient } from "@/src/server/rag/store/pglite-client";
import { openPglite } from "@/src/server/rag/store/pglite-setup";
import { migrate } from "@/src/server/rag/store/schema";
import { SEARCH_CHANNEL } from "@/src/server/rag/store/search-memory";
import type { SqlClient } from "@/src/server/rag/store/sql-client";

/**
 * An in-memory embedded store, migrated, whose announced writes (search-memory.ts) call `onWrite`, as
 * pglite-worker.ts wires them to its epoch: for tests of what the worker keeps, on this thread.
 */
export async function openAnnouncingStore(onWrite: () => void): Promise<{ client: SqlClient; store: KnowledgeStore }> {
  const database = await openPglite(pgliteOpenOptions(undefined));
  const client = pgliteSqlClient(database);
  await database.listen(SEARCH_CHANNEL, onWrite);
  await migrate(client);
  return { client, store: createKnowledgeStore(client, { location: "memory", readOnly: false, exclusive: (work) => work() }) };
}
