import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { z } from "zod";

/**
 * One writer per PGlite data dir. PGlite takes no lock of its own, and two
 * processes on one data dir corrupt it, so whoever opens the embedded store (the
 * web server and the CLI alike) takes this exclusive lock file first.
 */

export const LOCK_FILE_NAME = "quire.lock";

export type LockPurpose = "server" | "ingest" | "cli" | "test";

const lockContentSchema = z.object({
  pid: z.number().int().positive(),
  purpose: z.string(),
  host: z.string().optional(),
  since: z.string().optional(),
});
export type LockContent = z.infer<typeof lockContentSchema>;

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
  return (
    `${who} (pid ${holder.pid}${where}) owns ${dataDir}; stop it or wait for it to finish, ` +
    `or point QUIRE_DATA_DIR at another directory. (Lock file: ${path.join(dataDir, LOCK_FILE_NAME)})`
  );
}

/** Data dirs locked by this process; a second open in the same process is refused too. */
const heldInThisProcess = new Set<string>();

function isAlive(pid: number): boolean {
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

/** An unreadable lock file younger than this may be one that another process is still writing. */
const UNREADABLE_GRACE_MS = 2_000;

function isOldFile(file: string): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs > UNREADABLE_GRACE_MS;
  } catch {
    return true;
  }
}

/** A lock is stale when its process is gone. A lock from another host is never taken as stale. */
function isStale(holder: LockContent | null, dataDir: string): boolean {
  if (holder === null) return isOldFile(path.join(dataDir, LOCK_FILE_NAME));
  if (holder.host !== undefined && holder.host !== hostname()) return false;
  if (holder.pid === process.pid) return !heldInThisProcess.has(dataDir);
  return !isAlive(holder.pid);
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

/**
 * Takes the exclusive lock on `dataDir`, or throws StoreLockedError at once.
 * A stale lock (dead pid on this host) is removed and taken over.
 */
export function acquireStoreLock(dataDir: string, purpose: LockPurpose): StoreLock {
  const directory = path.resolve(/*turbopackIgnore: true*/ dataDir);
  mkdirSync(directory, { recursive: true });
  const file = path.join(directory, LOCK_FILE_NAME);
  const content: LockContent = { pid: process.pid, purpose, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(file, content)) {
      heldInThisProcess.add(directory);
      return createHandle(directory, file);
    }
    const holder = readHolder(file);
    if (!isStale(holder, directory)) throw new StoreLockedError(directory, holder ?? { pid: 0, purpose: "unknown" });
    removeIfSame(file, holder);
  }
  throw new StoreLockedError(directory, readHolder(file) ?? { pid: 0, purpose: "unknown" });
}

/** Removes a stale lock only if it still is the one we judged stale (another process may have replaced it). */
function removeIfSame(file: string, judged: LockContent | null): void {
  const current = readHolder(file);
  if (current?.pid !== judged?.pid) return;
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

function createHandle(directory: string, file: string): StoreLock {
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    heldInThisProcess.delete(directory);
    process.off("exit", release);
    const holder = readHolder(file);
    if (holder?.pid === process.pid) {
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
  return holder !== null && !isStale(holder, directory) ? holder : null;
}
