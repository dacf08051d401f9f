import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { acquireStoreLock, inspectStoreLock, LOCK_FILE_NAME, StoreLockedError } from "@/src/server/rag/store/lock";

const freshDir = () => mkdtempSync(path.join(tmpdir(), "quire-lock-"));

/** A pid that is certainly dead: a child that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid!;
}

describe("store lock", () => {
  it("writes pid and purpose, and removes the file on release", () => {
    const dir = freshDir();
    const lock = acquireStoreLock(dir, "ingest");
    expect(JSON.parse(readFileSync(path.join(dir, LOCK_FILE_NAME), "utf8"))).toMatchObject({
      pid: process.pid,
      purpose: "ingest",
    });
    expect(inspectStoreLock(dir)).toMatchObject({ pid: process.pid });
    lock.release();
    expect(existsSync(path.join(dir, LOCK_FILE_NAME))).toBe(false);
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
    writeFileSync(path.join(dir, LOCK_FILE_NAME), JSON.stringify({ pid: process.ppid, purpose: "server" }));
    expect(() => acquireStoreLock(dir, "ingest")).toThrow(
      `The Quire server (pid ${process.ppid}) owns ${dir}; stop it or`,
    );
  });

  it("takes over a stale lock whose process is gone", async () => {
    const dir = freshDir();
    writeFileSync(path.join(dir, LOCK_FILE_NAME), JSON.stringify({ pid: await deadPid(), purpose: "server" }));
    expect(inspectStoreLock(dir)).toBeNull();
    const lock = acquireStoreLock(dir, "ingest");
    expect(JSON.parse(readFileSync(lock.file, "utf8")).pid).toBe(process.pid);
    lock.release();
  });

  it("fails closed on a lock from another host", () => {
    const dir = freshDir();
    writeFileSync(path.join(dir, LOCK_FILE_NAME), JSON.stringify({ pid: 1, purpose: "server", host: "elsewhere" }));
    expect(() => acquireStoreLock(dir, "ingest")).toThrow(/pid 1 on host elsewhere/);
  });
});
