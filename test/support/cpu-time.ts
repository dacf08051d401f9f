/** CPU time of one run in ms: unlike wall time, it does not count the time other processes had the CPU. */
export function cpuMs(run: () => unknown): number {
  const started = process.cpuUsage();
  run();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
}

/** Fastest of a few runs (after a warm-up), in ms of CPU: the minimum is the least noisy estimate. */
export function fastestMs(run: () => unknown, repeats = 5): number {
  run();
  let best = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < repeats; attempt++) best = Math.min(best, cpuMs(run));
  return best;
}

/**
 * The fastest times of two runs measured in alternation, so a burst of load on a shared
 * machine slows both alike instead of only one of them (for linear-time assertions).
 */
export function fastestPairMs(first: () => unknown, second: () => unknown, repeats = 7): [number, number] {
  first();
  second();
  let bestFirst = Number.POSITIVE_INFINITY;
  let bestSecond = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < repeats; attempt++) {
    bestFirst = Math.min(bestFirst, cpuMs(first));
    bestSecond = Math.min(bestSecond, cpuMs(second));
  }
  return [bestFirst, bestSecond];
}
