import "server-only";
import { env, EnvError } from "@/src/server/env";
import { log } from "@/src/server/log";
import { installShutdownHandlers } from "@/src/server/shutdown";
import { configuredStarterQuestions } from "@/src/server/starter-questions";
import { enablePgliteThread } from "@/src/server/rag/store/enable-pglite-thread";

/**
 * Server start-up: a bad configuration stops start-up with a message that names
 * the variable, instead of failing on the first request. Then SIGTERM/SIGINT are
 * taken over, so that a stop drains the answers in flight and closes the store.
 */
export async function startServer(): Promise<void> {
  try {
    const parsed = env();
    if (parsed.QUIRE_PGLITE_THREAD === "worker") enablePgliteThread();
    // A starter-question file with a bad line stops start-up like a bad variable.
    await configuredStarterQuestions();
    log().info(
      { appUrl: parsed.APP_URL, dataDir: parsed.dataDir, oauth: parsed.oauthEnabled, store: parsed.DATABASE_URL ? "postgres" : "pglite" },
      "quire starting",
    );
    if (parsed.QUIRE_UNSAFE_ALLOW_HTTP_IDP) {
      log().warn("QUIRE_UNSAFE_ALLOW_HTTP_IDP is on: OAuth talks to an http:// IDP. Use this only with the local fake IDP.");
    }
    installShutdownHandlers();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(`quire: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}
