import { readdirSync, readFileSync } from "node:fs";

/**
 * What a benchmark reads about another process from Linux's /proc: CPU time (user +
 * system, the same clock `process.cpuUsage` reads) and resident memory, of a process
 * and all its descendants (`next start` may run the server in a child).
 */

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux architecture Node supports.

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const list = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
      if (list !== "") children.push(...list.split(/\s+/).map(Number));
    }
  } catch {
    // The process ended.
  }
  return children;
}

/** The process and its descendants. */
export function processTree(pid: number): number[] {
  const all = [pid];
  for (let index = 0; index < all.length; index++) all.push(...childrenOf(all[index]!));
  return all;
}

/** CPU milliseconds (user + system) one process has used so far; 0 once it is gone. */
function cpuMillisecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const userTicks = Number(fields[11]);
    const systemTicks = Number(fields[12]);
    return ((userTicks + systemTicks) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** CPU milliseconds used so far by the process tree rooted at `pid`. */
export function treeCpuMilliseconds(pid: number): number {
  return processTree(pid).reduce((sum, member) => sum + cpuMillisecondsOf(member), 0);
}

/** Resident memory of the process tree now, in MiB. */
export function treeRssMiB(pid: number): number {
  let kib = 0;
  for (const member of processTree(pid)) {
    try {
      const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${member}/status`, "utf8"));
      kib += match ? Number(match[1]) : 0;
    } catch {
      // The process ended.
    }
  }
  return kib / 1024;
}

/** Samples the tree's RSS every `intervalMs` until stopped; returns the peak in MiB. */
export function sampleRss(pid: number, intervalMs = 50): { stop: () => number } {
  let peak = treeRssMiB(pid);
  const timer = setInterval(() => (peak = Math.max(peak, treeRssMiB(pid))), intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, treeRssMiB(pid));
    },
  };
}
