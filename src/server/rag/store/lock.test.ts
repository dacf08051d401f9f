import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  acquireStoreLock,
  DEFAULT_STALE_AFTER_MS,
  inspectStoreLock,
  LOCK_FILE_NAME,
  StoreLockedError,
  type LockContent,
} from "@/src/server/rag/store/lock";

const freshDir = () => mkdtempSync(path.join(tmpdir(), "quire-lock-"));
const lockFile = (dir: string) => path.join(dir, LOCK_FILE_NAME);
const readLock = (dir: string) => JSON.parse(readFileSync(lockFile(dir), "utf8")) as LockContent;

/** A pid that is certainly dead: a child that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid!;
}

/** Writes a lock file as another process would, with its heartbeat (mtime) `ageMs` old. */
function writeLock(dir: string, content: LockContent, ageMs = 0): void {
  writeFileSync(lockFile(dir), JSON.stringify(content));
  const beat = new Date(Date.now() - ageMs);
  utimesSync(lockFile(dir), beat, beat);
}

/** This process's boot and pid namespace, as a lock of its own records them. */
function ownPidSpace(): string | undefined {
  const dir = freshDir();
  const lock = acquireStoreLock(dir, "test");
  const { pidSpace } = readLock(dir);
  lock.release();
  return pidSpace;
}

const withHeartbeat = { token: "other-token", heartbeatMs: 2_000, staleAfterMs: 15_000 };

describe("store lock", () => {
  it("writes pid, purpose, token and heartbeat settings, and removes the file on release", () => {
    const dir = freshDir();
    const lock = acquireStoreLock(dir, "ingest");
    expect(readLock(dir)).toMatchObject({ pid: process.pid, purpose: "ingest", host: hostname(), staleAfterMs: DEFAULT_STALE_AFTER_MS });
    expect(readLock(dir).token).toMatch(/^[0-9a-f-]{36}$/);
    expect(inspectStoreLock(dir)).toMatchObject({ pid: process.pid });
    lock.release();
    expect(existsSync(lockFile(dir))).toBe(false);
    expect(inspectStoreLock(dir)).toBeNull();
  });

  it("refuses a second holder in the same process", () => {
    const dir = freshDir();
    const lock = acquireStoreLock(dir, "server");
    expect(() => acquireStoreLock(dir, "ingest")).toThrow(StoreLockedError);
    lock.release();
    acquireStoreLock(dir, "ingest").release();
  });

  it("names a live server holder and what to do", () => {
    const dir = freshDir();
    writeFileSync(lockFile(dir), JSON.stringify({ pid: process.ppid, purpose: "server" }));
    expect(() => acquireStoreLock(dir, "ingest")).toThrow(`The Quire server (pid ${process.ppid}) owns ${dir}; stop it or`);
  });

  it("takes over a stale lock whose process is gone", async () => {
    const dir = freshDir();
    writeFileSync(lockFile(dir), JSON.stringify({ pid: await deadPid(), purpose: "server" }));
    expect(inspectStoreLock(dir)).toBeNull();
    const lock = acquireStoreLock(dir, "ingest");
    expect(readLock(dir).pid).toBe(process.pid);
    lock.release();
  });

  it("fails closed on a lock without heartbeat from another host, however old, and says how to clear it", () => {
    const dir = freshDir();
    writeLock(dir, { pid: 1, purpose: "server", host: "elsewhere" }, 24 * 3600_000);
    expect(() => acquireStoreLock(dir, "ingest")).toThrow(/pid 1 on host elsewhere.*If that host is gone, delete the lock file/);
  });
});

describe("store lock staleness with heartbeats", () => {
  it("keeps a lock from another host while its heartbeat is fresh, and says when it would expire", () => {
    const dir = freshDir();
    writeLock(dir, { pid: 1, purpose: "server", host: "elsewhere", ...withHeartbeat }, 3_000);
    expect(inspectStoreLock(dir)).toMatchObject({ host: "elsewhere" });
    expect(() => acquireStoreLock(dir, "ingest")).toThrow(
      /The Quire server \(pid 1 on host elsewhere\) owns .*taken over 15 s after its last heartbeat \(last one 3 s ago\)/,
    );
  });

  it("takes over a lock from another host once its heartbeat is older than the owner's expiry", () => {
    const dir = freshDir();
    writeLock(dir, { pid: 1, purpose: "server", host: "elsewhere", ...withHeartbeat }, 15_500);
    expect(inspectStoreLock(dir)).toBeNull();
    const lock = acquireStoreLock(dir, "ingest");
    expect(readLock(dir)).toMatchObject({ pid: process.pid, purpose: "ingest" });
    lock.release();
  });

  it("takes over at once when the pid is dead in our pid space, even with a fresh heartbeat", async () => {
    const dir = freshDir();
    writeLock(dir, { pid: await deadPid(), purpose: "server", host: hostname(), pidSpace: ownPidSpace(), ...withHeartbeat });
    acquireStoreLock(dir, "ingest").release();
  });

  it("takes over a lock whose pid is alive but whose heartbeat expired (a reused pid after a restart)", () => {
    const dir = freshDir();
    writeLock(dir, { pid: process.ppid, purpose: "server", host: hostname(), ...withHeartbeat }, 20_000);
    acquireStoreLock(dir, "ingest").release();
  });

  it.skipIf(process.platform !== "linux")("does not trust a dead pid from another pid namespace with the same hostname", async () => {
    const dir = freshDir();
    writeLock(dir, { pid: await deadPid(), purpose: "server", host: hostname(), pidSpace: "other-boot pid:[1]", ...withHeartbeat });
    expect(() => acquireStoreLock(dir, "ingest")).toThrow(StoreLockedError);
  });

  it("waits for an unreadable lock file to age before taking it over (it may be mid-write)", () => {
    const dir = freshDir();
    writeFileSync(lockFile(dir), "");
    expect(() => acquireStoreLock(dir, "ingest")).toThrow(StoreLockedError);
    const old = new Date(Date.now() - 5_000);
    utimesSync(lockFile(dir), old, old);
    acquireStoreLock(dir, "ingest").release();
  });

  it("leaves a stale lock to a takeover in progress, and clears a takeover guard left by a crash", () => {
    const dir = freshDir();
    writeLock(dir, { pid: 1, purpose: "server", host: "elsewhere", ...withHeartbeat }, 60_000);
    const guard = `${lockFile(dir)}.takeover`;
    mkdirSync(guard);
    expect(() => acquireStoreLock(dir, "ingest")).toThrow(StoreLockedError);
    expect(readLock(dir).host).toBe("elsewhere");
    const old = new Date(Date.now() - 60_000);
    utimesSync(guard, old, old);
    acquireStoreLock(dir, "ingest").release();
    expect(existsSync(guard)).toBe(false);
  });
});

describe("store lock heartbeat", () => {
  it("touches the lock file from a worker thread, even while the main thread is blocked", () => {
    const dir = freshDir();
    const lock = acquireStoreLock(dir, "test", { heartbeatMs: 50, staleAfterMs: 500 });
    const past = new Date(Date.now() - 10_000);
    utimesSync(lock.file, past, past);
    const blockedFrom = Date.now();
    while (Date.now() - blockedFrom < 600) {
      // busy: no timer of the main thread can run here
    }
    expect(statSync(lock.file).mtimeMs).toBeGreaterThan(blockedFrom);
    lock.release();
  });

  it("stops touching, and does not delete, a lock file that another process has taken over", async () => {
    const dir = freshDir();
    const lock = acquireStoreLock(dir, "test", { heartbeatMs: 20, staleAfterMs: 200 });
    writeLock(dir, { pid: 1, purpose: "server", host: "elsewhere", ...withHeartbeat });
    // Once a beat has seen the other token, the worker is done; only then is the heartbeat aged.
    await new Promise((resolve) => setTimeout(resolve, 100));
    writeLock(dir, readLock(dir), 60_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(Date.now() - statSync(lock.file).mtimeMs).toBeGreaterThan(50_000);
    lock.release();
    expect(readLock(dir).host).toBe("elsewhere");
  });
});
