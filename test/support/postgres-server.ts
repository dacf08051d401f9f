import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { freePort } from "@/test/support/net";

/**
 * A throwaway PostgreSQL server for integration tests: the newest Debian PostgreSQL
 * found under /usr/lib/postgresql, a fresh cluster made with initdb in a temporary
 * directory, started as the `postgres` user on a free port (trust auth, no fsync),
 * and removed by stop(). Tests that need it skip, saying why, when it cannot run:
 * see `postgresql.skipReason`.
 */
const DEBIAN_POSTGRESQL = "/usr/lib/postgresql";

export interface PostgresInstallation {
  version: string;
  /** The directory of initdb, pg_ctl and pg_config. */
  binaries: string;
}

function newestPostgresql(): PostgresInstallation | null {
  if (!existsSync(DEBIAN_POSTGRESQL)) return null;
  const versions = readdirSync(DEBIAN_POSTGRESQL)
    .filter((entry) => /^\d+(\.\d+)?$/.test(entry) && existsSync(path.join(DEBIAN_POSTGRESQL, entry, "bin", "initdb")))
    .sort((left, right) => Number(right) - Number(left));
  const version = versions[0];
  return version === undefined ? null : { version, binaries: path.join(DEBIAN_POSTGRESQL, version, "bin") };
}

function findPostgresql(): { installation: PostgresInstallation | null; skipReason: string | null } {
  // Lets a developer run the integration suite quickly without the real-server tests.
  if (process.env.QUIRE_TEST_SKIP_POSTGRES === "1") return { installation: null, skipReason: "QUIRE_TEST_SKIP_POSTGRES=1" };
  const installation = newestPostgresql();
  const skipReason =
    installation === null
      ? `no ${DEBIAN_POSTGRESQL}/*/bin/initdb`
      : !existsSync("/usr/sbin/runuser")
        ? "no /usr/sbin/runuser to start the cluster as the postgres user"
        : process.getuid?.() !== 0
          ? "not running as root (the cluster is started as the postgres user with runuser)"
          : null;
  return { installation: skipReason === null ? installation : null, skipReason };
}

/** What this machine offers, known when the test file loads (so that test titles can say it). */
export const postgresql = findPostgresql();

function shareDirectory(installation: PostgresInstallation): string {
  try {
    return execFileSync(path.join(installation.binaries, "pg_config"), ["--sharedir"], { stdio: "pipe" }).toString().trim();
  } catch {
    return `/usr/share/postgresql/${installation.version}`; // Debian's layout
  }
}

/** Whether the server will list extension `name` (its control file is in the share directory). */
export function extensionControlFileExists(installation: PostgresInstallation, name: string): boolean {
  return existsSync(path.join(shareDirectory(installation), "extension", `${name}.control`));
}

/** Why a test that needs a real PostgreSQL with pgvector cannot run here, or null when it can. */
export function pgvectorSkipReason(): string | null {
  if (postgresql.installation === null) return postgresql.skipReason;
  return extensionControlFileExists(postgresql.installation, "vector")
    ? null
    : `pgvector is not installed for PostgreSQL ${postgresql.installation.version} (scripts/install-pgvector.sh builds it)`;
}

export interface CopiedInstallation extends PostgresInstallation {
  /** Deletes the copy. */
  remove(): void;
}

/**
 * A copy of `installation` without extension `name` (its control, SQL and library files),
 * for testing a server that lacks it on a machine that has it. PostgreSQL finds its share
 * and library directories relative to its own executable, so a copy of both trees under a
 * temporary prefix, in the same relative layout, serves its own share directory.
 */
export function copyInstallationWithout(installation: PostgresInstallation, name: string): CopiedInstallation {
  const prefix = mkdtempSync(path.join(tmpdir(), `quire-pg${installation.version}-no-${name}-`));
  // The postgres user runs the copy's binaries.
  chmodSync(prefix, 0o755);
  const home = path.dirname(installation.binaries);
  const share = shareDirectory(installation);
  const without = (source: string) => !path.basename(source).startsWith(name);
  try {
    cpSync(home, path.join(prefix, home), { recursive: true, filter: without });
    cpSync(share, path.join(prefix, share), { recursive: true, filter: without });
  } catch (error) {
    rmSync(prefix, { recursive: true, force: true });
    throw error;
  }
  return {
    version: installation.version,
    binaries: path.join(prefix, installation.binaries),
    remove: () => rmSync(prefix, { recursive: true, force: true }),
  };
}

export interface PostgresServer {
  readonly version: string;
  readonly binaries: string;
  readonly port: number;
  /** `postgres://postgres:secret@127.0.0.1:<port>/<database>` (trust auth: the password is ignored but shows redaction). */
  url(database?: string): string;
  /** The postmaster's pid (its process tree is every backend), from its `postmaster.pid`. */
  pid(): number;
  /** Stops the server (immediate mode) and deletes the cluster. */
  stop(): void;
}

/** Starts a fresh cluster (of this machine's newest PostgreSQL by default). Only call when `postgresql.skipReason` is null. */
export async function startPostgresServer(installation = postgresql.installation): Promise<PostgresServer> {
  if (installation === null) throw new Error(`PostgreSQL cannot be started here: ${postgresql.skipReason}`);
  const asPostgres = (command: string, args: string[]) =>
    execFileSync("runuser", ["-u", "postgres", "--", path.join(installation.binaries, command), ...args], { stdio: "pipe", timeout: 60_000 });
  const directory = mkdtempSync(path.join(tmpdir(), `quire-pg${installation.version}-`));
  const data = path.join(directory, "data");
  const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
  chownSync(directory, uid, gid);
  const port = await freePort();
  try {
    asPostgres("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
    asPostgres("pg_ctl", [
      "-D", data, "-w", "-l", path.join(directory, "log"),
      "-o", `-p ${port} -k ${directory} -c listen_addresses=127.0.0.1 -c fsync=off`, "start",
    ]);
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  return {
    version: installation.version,
    binaries: installation.binaries,
    port,
    url: (database = "postgres") => `postgres://postgres:secret@127.0.0.1:${port}/${database}`,
    pid: () => Number(readFileSync(path.join(data, "postmaster.pid"), "utf8").split("\n")[0]),
    stop() {
      if (existsSync(path.join(data, "postmaster.pid"))) asPostgres("pg_ctl", ["-D", data, "-m", "immediate", "stop"]);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Creates database `name` on the server (a test's own, so that tests sharing a server do not see each other's tables). */
export async function createDatabase(server: PostgresServer, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Not a plain database name: ${name}`);
  const admin = new pg.Client({ connectionString: server.url() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return server.url(name);
}
