import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { adminFilePath, discoverAdmin, removeAdminFile, writeAdminFile, type AdminFile } from "@/src/server/admin/admin-file";

const dir = () => mkdtempSync(path.join(tmpdir(), "quire-admin-file-"));
const content = (overrides: Partial<AdminFile> = {}): AdminFile => ({
  pid: process.pid, host: "127.0.0.1", port: 4100, token: "t".repeat(43), startedAt: new Date().toISOString(), ...overrides,
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(child.stdout.toString());
}

describe("admin.json", () => {
  it("is written with mode 0600 and read back as a live server", () => {
    const dataDir = dir();
    writeAdminFile(dataDir, content());
    expect(statSync(adminFilePath(dataDir)).mode & 0o777).toBe(0o600);
    expect(discoverAdmin(dataDir)).toEqual({ state: "live", endpoint: content({ startedAt: expect.any(String) as unknown as string }) });
  });

  it("is absent, or stale when its pid is gone or its content is not ours", () => {
    const dataDir = dir();
    expect(discoverAdmin(dataDir)).toEqual({ state: "absent" });
    const pid = deadPid();
    writeAdminFile(dataDir, content({ pid }));
    expect(discoverAdmin(dataDir)).toEqual({ state: "stale", reason: expect.stringContaining(`its server (pid ${pid}) is not running`) });
    writeFileSync(adminFilePath(dataDir), "{ not json");
    expect(discoverAdmin(dataDir)).toMatchObject({ state: "stale", reason: expect.stringContaining("not valid JSON") });
    writeFileSync(adminFilePath(dataDir), JSON.stringify({ pid: process.pid, port: "x" }));
    expect(discoverAdmin(dataDir)).toMatchObject({ state: "stale", reason: expect.stringContaining("not a Quire admin file") });
  });

  it("is removed only by the server that wrote it", () => {
    const dataDir = dir();
    writeAdminFile(dataDir, content({ token: "a".repeat(43) }));
    removeAdminFile(dataDir, "b".repeat(43));
    expect(JSON.parse(readFileSync(adminFilePath(dataDir), "utf8"))).toMatchObject({ token: "a".repeat(43) });
    removeAdminFile(dataDir, "a".repeat(43));
    expect(existsSync(adminFilePath(dataDir))).toBe(false);
    removeAdminFile(dataDir, "a".repeat(43));
  });
});
