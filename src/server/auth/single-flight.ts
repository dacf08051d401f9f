import "server-only";
/**
 * Runs at most one task per key at a time: callers that arrive while a task is
 * running share its promise. A success is also remembered for `graceMs`, so a
 * caller that still holds the old input (a request that left the browser before
 * the rotated cookie arrived) gets the same result instead of starting again.
 * A failure is forgotten at once, so the next caller may retry.
 *
 * In-process only: instances behind a load balancer do not share it.
 */
export interface SingleFlight<T> {
  run(key: string, task: () => Promise<T>): Promise<T>;
  /** Keys currently running or remembered. */
  size(): number;
  clear(): void;
}

export function createSingleFlight<T>(options: { graceMs: number }): SingleFlight<T> {
  const entries = new Map<string, Promise<T>>();
  const forget = (key: string, promise: Promise<T>) => {
    if (entries.get(key) === promise) entries.delete(key);
  };
  return {
    run(key, task) {
      const existing = entries.get(key);
      if (existing) return existing;
      // Deferred by a microtask so that a task that throws synchronously still rejects the promise.
      const promise = Promise.resolve().then(task);
      entries.set(key, promise);
      promise.then(
        () => setTimeout(() => forget(key, promise), options.graceMs).unref(),
        () => forget(key, promise),
      );
      return promise;
    },
    size: () => entries.size,
    clear: () => entries.clear(),
  };
}
