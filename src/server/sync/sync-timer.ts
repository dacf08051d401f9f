import "server-only";
import { IngestBusyError } from "@/src/server/rag/store/advisory-lock";
import { runExclusiveSync, SyncBusyError, SyncStoppedError } from "@/src/server/sync/sync-guard";

type SyncLogger = { [Level in "info" | "warn" | "error"]: (object: object, message: string) => void };

export interface SyncTimerOptions {
  intervalMs: number;
  /** One sync; gets the shutdown signal. */
  sync: (signal: AbortSignal) => Promise<unknown>;
  logger: SyncLogger;
}

export interface SyncTimer {
  /** Clears the timer; a sync already running is stopped through the guard (stopSyncs). */
  stop(): void;
  /** Resolves after the next tick has run (tests). */
  nextTick(): Promise<void>;
}

/**
 * Re-syncs every `intervalMs`, counted from the end of the previous run, so runs
 * never pile up. A failure is logged and the next tick tries again; a tick that
 * finds another sync running (an ingest from the CLI, another instance on
 * PostgreSQL) skips. The timer is unref'd: it never keeps the process alive.
 */
export function startSyncTimer(options: SyncTimerOptions): SyncTimer {
  const { logger } = options;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let tickListeners: (() => void)[] = [];
  const tick = async (): Promise<void> => {
    const started = Date.now();
    try {
      const result = await runExclusiveSync("interval sync", options.sync);
      logger.info({ durationMs: Date.now() - started, result }, "interval sync finished");
    } catch (error) {
      if (error instanceof SyncBusyError || error instanceof IngestBusyError) logger.info({ reason: error.message }, "interval sync skipped: another sync is running");
      else if (error instanceof SyncStoppedError || stopped) logger.info({}, "interval sync stopped: the server is shutting down");
      else logger.error({ err: error }, "interval sync failed; the next tick tries again");
    }
    const listeners = tickListeners;
    tickListeners = [];
    for (const listener of listeners) listener();
    schedule();
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => void tick(), options.intervalMs);
    timer.unref();
  };
  schedule();
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
    nextTick: () => new Promise((resolve) => tickListeners.push(resolve)),
  };
}
