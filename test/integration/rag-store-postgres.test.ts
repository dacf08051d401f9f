import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore, StoreError } from "@/src/server/rag/store";

/**
 * The `pg` path against a real PostgreSQL without pgvector: Debian's
 * PostgreSQL 15, which has no pgvector package. A throwaway cluster is started
 * as the `postgres` user on a free port and removed afterwards.
 */
const binaries = "/usr/lib/postgresql/15/bin";
const available = existsSync(path.join(binaries, "initdb")) && existsSync("/usr/sbin/runuser");

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

const asPostgres = (command: string, args: string[]) =>
  execFileSync("runuser", ["-u", "postgres", "--", path.join(binaries, command), ...args], { stdio: "pipe", timeout: 60_000 });

describe.skipIf(!available)(
  available ? "PostgreSQL 15 without pgvector" : `PostgreSQL 15 without pgvector (skipped: no PostgreSQL 15 binaries in ${binaries})`,
  () => {
    let directory: string;
    let port: number;

    beforeAll(async () => {
      directory = mkdtempSync(path.join(tmpdir(), "quire-pg15-"));
      const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
      const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
      chownSync(directory, uid, gid);
      port = await freePort();
      asPostgres("initdb", ["-D", path.join(directory, "data"), "-A", "trust", "-U", "postgres", "--no-sync"]);
      asPostgres("pg_ctl", [
        "-D", path.join(directory, "data"), "-w", "-l", path.join(directory, "log"),
        "-o", `-p ${port} -k ${directory} -c listen_addresses=127.0.0.1 -c fsync=off`, "start",
      ]);
    }, 120_000);

    afterAll(() => {
      if (existsSync(path.join(directory, "data", "postmaster.pid"))) {
        asPostgres("pg_ctl", ["-D", path.join(directory, "data"), "-m", "immediate", "stop"]);
      }
      rmSync(directory, { recursive: true, force: true });
    });

    it('fails with a clear "pgvector extension is not installed" error', async () => {
      const attempt = openStore({ databaseUrl: `postgres://postgres:secret@127.0.0.1:${port}/postgres` });
      await expect(attempt).rejects.toThrow(StoreError);
      await expect(attempt).rejects.toMatchObject({ reason: "pgvector_missing" });
      await expect(attempt).rejects.toThrow(/The pgvector extension is not installed on the PostgreSQL server at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1/);
    });

    it("names an unreachable server without leaking the password", async () => {
      const attempt = openStore({ databaseUrl: `postgres://postgres:secret@127.0.0.1:${await freePort()}/postgres` });
      await expect(attempt).rejects.toMatchObject({ reason: "unreachable" });
      await expect(attempt).rejects.not.toThrow(/secret/);
    });
  },
);
