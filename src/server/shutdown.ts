import "server-only";
import { env } from "@/src/server/env";
import { log } from "@/src/server/log";
import { closeStore } from "@/src/server/rag/store";

/**
 * Graceful shutdown. On SIGTERM/SIGINT the server stops taking new work
 * (isShuttingDown()), lets the answers still streaming finish, up to
 * QUIRE_SHUTDOWN_TIMEOUT_MS, then closes the knowledge store, which releases the
 * PGlite data-dir lock, and exits. A store killed mid-write recovers like after a
 * crash; a clean close spares the next start that recovery and the lock's expiry.
 *
 * The state lives on globalThis: Next.js bundles instrumentation.ts (which installs
 * the handlers) and the routes (which track their streams) as separate module
 * graphs, and both must see the same registry.
 */

type ShutdownLogger = { [Level in "info" | "warn" | "error"]: (object: object, message: string) => void };

export interface ShutdownOptions {
  /** Default: QUIRE_SHUTDOWN_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Default: the shared store's final close (src/server/rag/store). */
  closeStore?: () => Promise<void>;
  /** Default: process.exit. */
  exit?: (code: number) => void;
  signals?: readonly NodeJS.Signals[];
  logger?: ShutdownLogger;
}

interface ShutdownState {
  stopping: boolean;
  streams: Set<symbol>;
  drainedListeners: Set<() => void>;
  /** Stopped before the store closes, while the answers in flight finish (onShutdown). */
  hooks: Set<() => Promise<unknown> | unknown>;
  running?: Promise<number>;
  uninstall?: () => void;
}

const stateKey = Symbol.for("quire.shutdown");

function state(): ShutdownState {
  const holder = globalThis as { [stateKey]?: ShutdownState };
  holder[stateKey] ??= { stopping: false, streams: new Set(), drainedListeners: new Set(), hooks: new Set() };
  return holder[stateKey];
}

/** True once a shutdown began: routes refuse new work (e.g. a 503 with Retry-After). */
export function isShuttingDown(): boolean {
  return state().stopping;
}

/**
 * Work to stop at shutdown before the store closes (the admin endpoint, the sync
 * timer and a sync in progress). Hooks run while the answers in flight finish; a
 * failing hook is logged and does not hold up the others. Returns an unregister.
 */
export function onShutdown(hook: () => Promise<unknown> | unknown): () => void {
  const hooks = state().hooks;
  hooks.add(hook);
  return () => hooks.delete(hook);
}

async function runHooks(logger: ShutdownLogger): Promise<void> {
  const results = await Promise.allSettled([...state().hooks].map(async (hook) => hook()));
  for (const result of results) {
    if (result.status === "rejected") logger.warn({ err: result.reason }, "a shutdown step failed; closing the store anyway");
  }
}

/** Streams handed out by trackStream that have neither finished nor been cancelled. */
export function inFlightStreams(): number {
  return state().streams.size;
}

function streamEnded(id: symbol): void {
  const current = state();
  if (!current.streams.delete(id) || current.streams.size > 0) return;
  for (const listener of [...current.drainedListeners]) listener();
}

/**
 * The same response, its body wrapped so that shutdown waits for it: the stream
 * counts as in flight until it is read to the end, fails, or is cancelled (a client
 * that goes away). Status and headers, Set-Cookie included, are kept. `onEnd` runs
 * once when it ends (the chat route frees its stream slot there).
 */
export function trackStream(response: Response, onEnd?: () => void): Response {
  const body = response.body;
  if (body === null) {
    onEnd?.();
    return response;
  }
  const id = Symbol("stream");
  state().streams.add(id);
  let ended = false;
  const end = (streamId: symbol) => {
    if (ended) return;
    ended = true;
    streamEnded(streamId);
    onEnd?.();
  };
  const reader = body.getReader();
  const tracked = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          end(id);
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        end(id);
        controller.error(error);
      }
    },
    async cancel(reason) {
      end(id);
      await reader.cancel(reason);
    },
  });
  return new Response(tracked, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** Resolves true once no stream is in flight, or false when `timeoutMs` passes first. */
export function waitForStreams(timeoutMs: number): Promise<boolean> {
  const current = state();
  if (current.streams.size === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const drained = (): void => {
      clearTimeout(timer);
      current.drainedListeners.delete(drained);
      resolve(true);
    };
    const timer = setTimeout(() => {
      current.drainedListeners.delete(drained);
      resolve(false);
    }, timeoutMs);
    current.drainedListeners.add(drained);
  });
}

/**
 * Stops new work, waits for the streams in flight (bounded), closes the store.
 * Resolves the exit code: 0 when the store closed, 1 when closing it failed. Runs
 * once; a second call (a second signal) gets the first run's result.
 */
export function shutDown(reason: string, options: ShutdownOptions = {}): Promise<number> {
  const current = state();
  current.stopping = true;
  current.running ??= runShutdown(reason, options);
  return current.running;
}

async function runShutdown(reason: string, options: ShutdownOptions): Promise<number> {
  const logger = options.logger ?? log();
  const timeoutMs = options.timeoutMs ?? env().QUIRE_SHUTDOWN_TIMEOUT_MS;
  logger.info({ reason, inFlight: inFlightStreams(), timeoutMs }, "shutting down: finishing the answers in flight");
  const [drained] = await Promise.all([waitForStreams(timeoutMs), runHooks(logger)]);
  if (!drained) {
    logger.warn({ inFlight: inFlightStreams(), timeoutMs }, "shutdown timeout: closing the store with answers still streaming");
  }
  try {
    await (options.closeStore ?? closeStore)();
    logger.info({ reason }, "knowledge store closed; exiting");
    return 0;
  } catch (error) {
    logger.error({ err: error }, "closing the knowledge store failed; exiting");
    return 1;
  }
}

/**
 * Installs the SIGTERM/SIGINT handlers, once per process (later calls return the
 * first uninstaller). Next.js exits on these signals by itself unless started with
 * NEXT_MANUAL_SIG_HANDLE=true (scripts/start.mjs sets it): its exit may then come
 * before the store is closed, which is logged here as a warning.
 */
export function installShutdownHandlers(options: ShutdownOptions = {}): () => void {
  const current = state();
  if (current.uninstall) return current.uninstall;
  const logger = options.logger ?? log();
  const signals = options.signals ?? ["SIGTERM", "SIGINT"];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const others = signals.filter((signal) => process.listenerCount(signal) > 0);
  if (others.length > 0) {
    logger.warn({ signals: others }, "another handler also exits on these signals (Next.js without NEXT_MANUAL_SIG_HANDLE=true): the store may not close cleanly");
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    if (current.running) return logger.info({ signal }, "already shutting down");
    void shutDown(signal, options).then(exit);
  };
  for (const signal of signals) process.on(signal, onSignal);
  current.uninstall = () => {
    for (const signal of signals) process.off(signal, onSignal);
    current.uninstall = undefined;
  };
  return current.uninstall;
}

/** Forgets a shutdown and its handlers, so that tests start from a running server. */
export function resetShutdownForTests(): void {
  const current = state();
  current.uninstall?.();
  (globalThis as { [stateKey]?: ShutdownState })[stateKey] = undefined;
}
