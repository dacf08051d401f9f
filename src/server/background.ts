import "server-only";
import { startAdminServer } from "@/src/server/admin/admin-server";
import { serverStores } from "@/src/server/admin/server-stores";
import { runCommand } from "@/src/server/commands/registry";
import { env } from "@/src/server/env";
import { log } from "@/src/server/log";
import { getStore, type KnowledgeStore } from "@/src/server/rag/store";
import { onShutdown } from "@/src/server/shutdown";
import { runConfiguredSync, totalSummary } from "@/src/server/sync/run-sync";
import { stopSyncs, syncStopSignal } from "@/src/server/sync/sync-guard";
import { startSyncTimer } from "@/src/server/sync/sync-timer";

/**
 * What runs beside the web server, started once from instrumentation.ts: the store
 * is opened now rather than in the first user's turn; when it is the embedded one,
 * the admin endpoint lets `quire ingest|status|search` run inside this process; and
 * QUIRE_SYNC_INTERVAL re-syncs the docs. All of it stops at shutdown, before the
 * store closes.
 */
export async function startBackgroundServices(): Promise<void> {
  const settings = env();
  onShutdown(() => stopSyncs(settings.QUIRE_SHUTDOWN_TIMEOUT_MS));
  if (settings.QUIRE_SYNC_INTERVAL !== null) startIntervalSync(settings.QUIRE_SYNC_INTERVAL);
  let store: KnowledgeStore;
  try {
    store = await getStore();
  } catch (error) {
    // The first chat tries again and answers with the store's own error; without the store there is no admin endpoint.
    log().warn({ err: error }, "the knowledge store did not open at start-up; the first chat will try again");
    return;
  }
  if (store.kind === "pglite") await startAdminEndpoint();
}

async function startAdminEndpoint(): Promise<void> {
  const settings = env();
  try {
    const admin = await startAdminServer({
      host: settings.QUIRE_ADMIN_HOST,
      port: settings.QUIRE_ADMIN_PORT,
      dataDir: settings.dataDir,
      configuredToken: settings.QUIRE_ADMIN_TOKEN,
      run: (request, output) => runCommand(request, { stores: serverStores, output, signal: syncStopSignal() }),
      logger: log(),
    });
    onShutdown(() => admin.close());
  } catch (error) {
    log().error({ err: error }, "the admin endpoint did not start: `quire ingest|status|search` cannot reach this server");
  }
}

function startIntervalSync(intervalMs: number): void {
  log().info({ intervalMs }, "the server re-syncs the docs on QUIRE_SYNC_INTERVAL");
  const timer = startSyncTimer({
    intervalMs,
    sync: async (signal) => {
      const results = await runConfiguredSync(await getStore(), { signal });
      for (const result of results) {
        if (result.error !== null) log().warn({ source: result.name, location: result.location, reason: result.error }, "interval sync: a source could not be synced; its documents are unchanged");
      }
      return totalSummary(results);
    },
    logger: log(),
  });
  onShutdown(() => timer.stop());
}
