import "server-only";
import { randomUUID } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, readlinkSync, rmSync, statSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { z } from "zod";

/**
 * One writer per PGlite data dir. PGlite takes no lock of its own, and two
 * processes on one data dir corrupt it, so whoever opens the embedded store (the
 * web server and the CLI alike) takes this exclusive lock file first.
 *
 * A dead owner is detected two ways: in the same pid space (same host, kernel boot
 * and pid namespace) its pid is gone, at once; anywhere else (a container restarted
 * on a new hostname after SIGKILL) its heartbeat, the file's mtime that the owner
 * touches every few seconds, is older than the expiry the owner wrote into the file.
 */

export const LOCK_FILE_NAME = "quire.lock";

export type LockPurpose = "server" | "ingest" | "cli" | "test";

const lockContentSchema = z.object({
  pid: z.number().int().positive(),
  purpose: z.string(),
  host: z.string().optional(),
  since: z.string().optional(),
  /** Tells this acquisition apart from another with the same pid (containers reuse pids). */
  token: z.string().optional(),
  /** Boot and pid namespace: a pid means something only inside the same one. */
  pidSpace: z.string().optional(),
  heartbeatMs: z.number().int().positive().optional(),
  /** The owner is taken for dead once its heartbeat is older than this. Absent in locks from before heartbeats. */
  staleAfterMs: z.number().int().positive().optional(),
});
export type LockContent = z.infer<typeof lockContentSchema>;

export interface LockTimings {
  /** How often the owner touches the lock file (default 2 s). */
  heartbeatMs?: number;
  /** How old a heartbeat may get before the lock is stale (default 15 s; at least twice the heartbeat). */
  staleAfterMs?: number;
}

export const DEFAULT_HEARTBEAT_MS = 2_000;
/** Generous against clock skew between hosts that share a volume, short enough for a restart. */
export const DEFAULT_STALE_AFTER_MS = 15_000;

export interface StoreLock {
  readonly file: string;
  release(): void;
}

/** Thrown when another live process holds the data dir. The message tells the operator what to do. */
export class StoreLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockContent,
  ) {
    super(describeHolder(dataDir, holder));
    this.name = "StoreLockedError";
  }
}

function describeHolder(dataDir: string, holder: LockContent): string {
  const who = holder.purpose === "server" ? "The Quire server" : `Another Quire process (${holder.purpose})`;
  const where = holder.host && holder.host !== hostname() ? ` on host ${holder.host}` : "";
  const file = path.join(dataDir, LOCK_FILE_NAME);
  let hint = "";
  if (holder.staleAfterMs !== undefined) {
    const age = heartbeatAgeMs(file);
    const last = Number.isFinite(age) ? ` (last one ${seconds(age)} ago)` : "";
    hint = ` If it crashed, its lock is taken over ${seconds(holder.staleAfterMs)} after its last heartbeat${last}.`;
  } else if (where !== "") {
    hint = " If that host is gone, delete the lock file.";
  }
  return (
    `${who} (pid ${holder.pid}${where}) owns ${dataDir}; stop it or wait for it to finish, ` +
    `or point QUIRE_DATA_DIR at another directory.${hint} (Lock file: ${file})`
  );
}

const seconds = (milliseconds: number): string => `${Math.max(0, Math.round(milliseconds / 100) / 10)} s`;

/**
 * Data dirs locked by this process, with the token of each lock; a second open in
 * the same process is refused too. On globalThis: Next.js bundles instrumentation and
 * routes apart, and two copies of this module must still see each other's locks.
 */
const heldKey = Symbol.for("quire.storeLocks");
const heldInThisProcess: Map<string, string> = ((globalThis as { [heldKey]?: Map<string, string> })[heldKey] ??= new Map());

let cachedPidSpace: string | undefined;

/** Kernel boot and pid namespace where /proc tells them (Linux); elsewhere (empty) the hostname alone decides. */
function currentPidSpace(): string {
  const orNothing = (read: () => string): string[] => {
    try {
      return [read()];
    } catch {
      return [];
    }
  };
  cachedPidSpace ??= [
    ...orNothing(() => readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim()),
    ...orNothing(() => readlinkSync("/proc/self/ns/pid")),
  ].join(" ");
  return cachedPidSpace;
}

/** True when the holder's pid can be checked from here: same host, and (when recorded) same boot and pid namespace. */
function samePidSpace(holder: LockContent): boolean {
  if (holder.host !== undefined && holder.host !== hostname()) return false;
  return holder.pidSpace === undefined || holder.pidSpace === currentPidSpace();
}

/** True when a process with this pid exists on this machine (also one of another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(file: string): LockContent | null {
  try {
    const parsed = lockContentSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Milliseconds since the lock file was last touched (Infinity when it is gone). */
function heartbeatAgeMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** An unreadable lock file younger than this may be one that another process is still writing. */
const UNREADABLE_GRACE_MS = 2_000;

/**
 * The staleness rules, in order: an unreadable file past its grace; a lock of this
 * process that it no longer holds; a dead pid in our pid space; a heartbeat older
 * than the owner's own expiry, whatever the host. A lock without a heartbeat (older
 * Quire) from another host is never taken as stale: nothing proves its owner dead.
 */
function isStaleLock(holder: LockContent | null, dataDir: string): boolean {
  const file = path.join(dataDir, LOCK_FILE_NAME);
  if (holder === null) return heartbeatAgeMs(file) > UNREADABLE_GRACE_MS;
  const mine = heldInThisProcess.get(dataDir);
  if (mine !== undefined && (holder.token === undefined || holder.token === mine)) return false;
  if (samePidSpace(holder)) {
    if (holder.pid === process.pid) return true;
    if (!isAlive(holder.pid)) return true;
  }
  return holder.staleAfterMs !== undefined && heartbeatAgeMs(file) > holder.staleAfterMs;
}

function tryCreate(file: string, content: LockContent): boolean {
  try {
    const descriptor = openSync(file, "wx", 0o600);
    try {
      writeSync(descriptor, `${JSON.stringify(content)}\n`);
    } finally {
      closeSync(descriptor);
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

function resolveTimings(timings: LockTimings): Required<LockTimings> {
  const heartbeatMs = Math.max(10, Math.trunc(timings.heartbeatMs ?? DEFAULT_HEARTBEAT_MS));
  const staleAfterMs = Math.max(2 * heartbeatMs, Math.trunc(timings.staleAfterMs ?? DEFAULT_STALE_AFTER_MS));
  return { heartbeatMs, staleAfterMs };
}

/**
 * Takes the exclusive lock on `dataDir`, or throws StoreLockedError at once.
 * A stale lock (see isStaleLock) is removed and taken over.
 */
export function acquireStoreLock(dataDir: string, purpose: LockPurpose, timings: LockTimings = {}): StoreLock {
  const directory = path.resolve(/*turbopackIgnore: true*/ dataDir);
  mkdirSync(directory, { recursive: true });
  const file = path.join(directory, LOCK_FILE_NAME);
  const content: LockContent = {
    pid: process.pid,
    purpose,
    host: hostname(),
    since: new Date().toISOString(),
    token: randomUUID(),
    pidSpace: currentPidSpace(),
    ...resolveTimings(timings),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(file, content)) return createHandle(directory, file, content);
    const holder = readHolder(file);
    if (!isStaleLock(holder, directory)) throw new StoreLockedError(directory, holder ?? { pid: 0, purpose: "unknown" });
    removeIfStillStale(file, holder, directory);
  }
  throw new StoreLockedError(directory, readHolder(file) ?? { pid: 0, purpose: "unknown" });
}

const sameLock = (left: LockContent | null, right: LockContent | null): boolean =>
  left === null || right === null ? left === right : left.pid === right.pid && left.token === right.token;

/** A takeover guard left by a process killed inside the few lines it guards is this old at most. */
const GUARD_STALE_MS = 10_000;

/**
 * Removes a stale lock only if it still is the one judged stale. The check and the
 * unlink run under a mkdir guard: without it, two processes taking over the same
 * stale lock could each remove the fresh lock that the other had just created.
 */
function removeIfStillStale(file: string, judged: LockContent | null, directory: string): void {
  const guard = `${file}.takeover`;
  try {
    mkdirSync(guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    // Someone else is taking over; the next attempt sees their result. Only a crashed guard is cleared.
    if (heartbeatAgeMs(guard) > GUARD_STALE_MS) rmSync(guard, { recursive: true, force: true });
    return;
  }
  try {
    const current = readHolder(file);
    if (!sameLock(current, judged) || !isStaleLock(current, directory)) return;
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  } finally {
    rmSync(guard, { recursive: true, force: true });
  }
}

/**
 * The heartbeat runs in a worker thread: PGlite executes queries synchronously on
 * the main thread (an HNSW build can block it for minutes), and a timer there would
 * let the lock expire under a live owner. The worker inherits no flags (`--input-type=module`
 * would make this script ESM) and takes builtins from process.getBuiltinModule, valid in both.
 */
const HEARTBEAT_SOURCE = `
const { workerData } = process.getBuiltinModule("node:worker_threads");
const fs = process.getBuiltinModule("node:fs");
const { file, token, intervalMs } = workerData;
const timer = setInterval(() => {
  let owner;
  try {
    owner = JSON.parse(fs.readFileSync(file, "utf8")).token;
  } catch (error) {
    if (error && error.code === "ENOENT") clearInterval(timer);
    return;
  }
  if (owner !== token) return clearInterval(timer);
  const now = new Date();
  try { fs.utimesSync(file, now, now); } catch {}
}, intervalMs);
`;

/** Starts the beats; returns how to stop them. The worker is unref'd: it never keeps a process alive. */
function startHeartbeat(file: string, content: LockContent): () => void {
  const workerData = { file, token: content.token, intervalMs: content.heartbeatMs ?? DEFAULT_HEARTBEAT_MS };
  const worker = new Worker(HEARTBEAT_SOURCE, { eval: true, execArgv: [], workerData });
  // Not fatal to the owner, but the operator must know: the lock now expires under a live process.
  worker.on("error", (error) =>
    process.emitWarning(`The heartbeat of ${file} stopped (${error.message}); another host may take the lock over.`, "QuireLockWarning"),
  );
  worker.unref();
  return () => void worker.terminate();
}

function createHandle(directory: string, file: string, content: LockContent): StoreLock {
  let stopHeartbeat: () => void;
  try {
    stopHeartbeat = startHeartbeat(file, content);
  } catch (error) {
    // No heartbeat, no lock: it would expire under us.
    unlinkSync(file);
    throw error;
  }
  heldInThisProcess.set(directory, content.token ?? "");
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    stopHeartbeat();
    heldInThisProcess.delete(directory);
    process.off("exit", release);
    if (readHolder(file)?.token === content.token) {
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    }
  };
  process.on("exit", release);
  return { file, release };
}

/** Who holds the lock on `dataDir` right now, or null when it is free (or stale). */
export function inspectStoreLock(dataDir: string): LockContent | null {
  const directory = path.resolve(/*turbopackIgnore: true*/ dataDir);
  const holder = readHolder(path.join(directory, LOCK_FILE_NAME));
  return holder !== null && !isStaleLock(holder, directory) ? holder : null;
}
