import { readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { acquireStoreLock, LOCK_FILE_NAME, StoreLockedError, type LockContent } from "@/src/server/rag/store/lock";
import { freshDir, runScript, sleep, waitFor } from "@/test/integration/support/processes";

/**
 * The PGlite lock after a crash, with real processes: a lock holder SIGKILLed and
 * "restarted" on another host, and a live one whose main thread is blocked. These
 * measure heartbeats of 100 ms against 1-3 s deadlines, so the file runs in the
 * serial integration project (vitest.config.ts).
 */

const readLock = (dir: string) => JSON.parse(readFileSync(path.join(dir, LOCK_FILE_NAME), "utf8")) as LockContent;

/** What a container restarted on a new hostname sees: the same file, another host in it. The heartbeat (mtime) is kept. */
function moveLockToHost(dir: string, host: string): void {
  const file = path.join(dir, LOCK_FILE_NAME);
  const { atime, mtime } = statSync(file);
  writeFileSync(file, JSON.stringify({ ...readLock(dir), host }));
  utimesSync(file, atime, mtime);
}

const holdLockScript = (blockMainThread: boolean) => `
const { acquireStoreLock } = await import("@/src/server/rag/store/lock");
acquireStoreLock(process.argv[1], "server", { heartbeatMs: Number(process.argv[2]), staleAfterMs: Number(process.argv[3]) });
console.log("locked");
// A long synchronous PGlite statement (an HNSW build) blocks the main thread like this.
if (${blockMainThread}) setTimeout(() => { for (;;) {} }, 50);
else setInterval(() => undefined, 1000);
`;

describe("the PGlite lock after a crash", () => {
  it("takes over a SIGKILLed owner's lock from another hostname once its heartbeat expired, not before", async () => {
    const dir = freshDir("crash-lock");
    const owner = runScript(holdLockScript(false), [dir, "100", "3000"]);
    await waitFor(owner, /locked/);
    owner.child.kill("SIGKILL");
    await owner.exited;
    moveLockToHost(dir, "old-container-4f2a");
    const lastBeat = statSync(path.join(dir, LOCK_FILE_NAME)).mtimeMs;
    let refusals = 0;
    for (;;) {
      try {
        const lock = acquireStoreLock(dir, "ingest");
        expect(Date.now() - lastBeat).toBeGreaterThan(3000);
        expect(readLock(dir)).toMatchObject({ pid: process.pid, purpose: "ingest" });
        lock.release();
        break;
      } catch (error) {
        expect(error).toBeInstanceOf(StoreLockedError);
        expect((error as Error).message).toMatch(/The Quire server \(pid \d+ on host old-container-4f2a\) owns .*taken over 3 s after its last heartbeat/);
        // Refused only while the heartbeat is fresh (200 ms of slack for this loop).
        expect(Date.now() - lastBeat).toBeLessThan(3200);
        refusals++;
      }
      await sleep(100);
    }
    expect(refusals).toBeGreaterThan(0);
  });

  it("never takes over a live owner on another host, even with its main thread blocked, and does once it is killed", async () => {
    const dir = freshDir("live-lock");
    const owner = runScript(holdLockScript(true), [dir, "100", "1000"]);
    try {
      await waitFor(owner, /locked/);
      moveLockToHost(dir, "other-host");
      await sleep(2500);
      expect(() => acquireStoreLock(dir, "ingest")).toThrow(/pid \d+ on host other-host/);
      expect(Date.now() - statSync(path.join(dir, LOCK_FILE_NAME)).mtimeMs).toBeLessThan(1000);
    } finally {
      owner.child.kill("SIGKILL");
      await owner.exited;
    }
    await sleep(1200);
    acquireStoreLock(dir, "ingest").release();
  });
});
