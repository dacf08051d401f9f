import "server-only";

/**
 * One sync at a time inside this process: the QUIRE_SYNC_INTERVAL timer and an
 * ingest handed over by the CLI take the same slot. A second one is refused at
 * once (SyncBusyError) rather than queued; the timer simply skips its tick.
 * Across instances on PostgreSQL, the store's advisory lock does the same job.
 *
 * The state lives on globalThis: Next.js bundles instrumentation.ts and the routes
 * as separate module graphs, and both must see the one slot.
 */

export class SyncBusyError extends Error {
  constructor(running: RunningSync) {
    const seconds = Math.round((Date.now() - running.startedAt) / 1000);
    super(`The server is already syncing (${running.label}, started ${seconds} s ago); try again when it finishes.`);
    this.name = "SyncBusyError";
  }
}

/** The server is shutting down: no new sync starts. */
export class SyncStoppedError extends Error {
  constructor() {
    super("The server is shutting down; no sync starts now.");
    this.name = "SyncStoppedError";
  }
}

interface RunningSync {
  label: string;
  startedAt: number;
  done: Promise<unknown>;
}

interface GuardState {
  running: RunningSync | null;
  stopping: AbortController;
}

const stateKey = Symbol.for("quire.syncGuard");

function state(): GuardState {
  const holder = globalThis as { [stateKey]?: GuardState };
  holder[stateKey] ??= { running: null, stopping: new AbortController() };
  return holder[stateKey];
}

/**
 * Runs `work` as the process's only sync. `work` gets the shutdown signal: a
 * sync checks it between documents, so that a stop ends it cleanly (each document
 * is written in its own transaction, and the next run completes what is missing).
 * A sync already running refuses this one (SyncBusyError), or with `wait` is
 * waited for first (an operator's `quire ingest` should not fail because a timer tick is running).
 */
export async function runExclusiveSync<T>(label: string, work: (signal: AbortSignal) => Promise<T>, options: { wait?: boolean } = {}): Promise<T> {
  const current = state();
  while (options.wait && current.running !== null) await current.running.done.catch(() => undefined);
  if (current.stopping.signal.aborted) throw new SyncStoppedError();
  if (current.running !== null) throw new SyncBusyError(current.running);
  const done = Promise.resolve().then(() => work(current.stopping.signal));
  const running: RunningSync = { label, startedAt: Date.now(), done };
  current.running = running;
  try {
    return await done;
  } finally {
    if (current.running === running) current.running = null;
  }
}

/** The label of the sync running now, or null. */
export function runningSync(): string | null {
  return state().running?.label ?? null;
}

/** The signal a sync should stop on (aborted at shutdown). */
export function syncStopSignal(): AbortSignal {
  return state().stopping.signal;
}

/** At shutdown: refuse new syncs, ask the running one to stop, and wait for it up to `timeoutMs`. */
export async function stopSyncs(timeoutMs: number): Promise<boolean> {
  const current = state();
  current.stopping.abort(new SyncStoppedError());
  const running = current.running;
  if (running === null) return true;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  const settled = running.done.then(() => true, () => true);
  try {
    return await Promise.race([settled, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Forgets the guard's state (tests). */
export function resetSyncGuardForTests(): void {
  (globalThis as { [stateKey]?: GuardState })[stateKey] = undefined;
}
