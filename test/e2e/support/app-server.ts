import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { isBuildCurrent, recordBuild, sourceStamp } from "@/scripts/build-stamp.mjs";
import { nextStartArgs } from "@/scripts/server-node-args.mjs";
import { freePort } from "@/test/support/net";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../../..");

export interface AppServer {
  url: string;
  dataDir: string;
  /** The server process, e.g. to read its memory from /proc. */
  pid: number;
  /** Everything the server printed on stdout and stderr so far. */
  logs: () => string;
  stop: () => Promise<void>;
}

/** Set by the e2e global setup once it has built the app. */
export const BUILD_CHECKED = "QUIRE_E2E_BUILD_CHECKED";

/** Builds the app unless `.next` already holds a build of the current sources (the stamp `npm start` also uses). */
export function ensureBuilt(): void {
  // The e2e run checked (and built) once before its first file; a file saved since must
  // not rebuild under the servers of the files still to run.
  if (process.env[BUILD_CHECKED] === "1" || isBuildCurrent(root)) return;
  const stamp = sourceStamp(root);
  const result = spawnSync("npx", ["next", "build"], { cwd: root, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (result.status !== 0) throw new Error("next build failed");
  recordBuild(root, stamp);
}

async function waitForReady(url: string, child: ChildProcess, logs: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Quire exited early (${child.exitCode}):\n${logs()}`);
    try {
      const response = await fetch(`${url}/api/auth/status`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Quire did not start within 60 s:\n${logs()}`);
}

/**
 * Waits until the server has opened its embedded store in the background (start-up opens
 * it after the server answers; admin.json is written once it is open). A measurement of
 * the server's memory must not count the store opening beside it.
 */
export async function waitForStoreOpen(app: AppServer, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path.join(app.dataDir, "admin.json"))) {
    if (Date.now() > deadline) throw new Error(`the store did not open within ${timeoutMs} ms:\n${app.logs()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts the built app (`next start`, with the Node options `npm start` gives it) on a free port, with the given env on top of test defaults. */
export async function startAppServer(env: Record<string, string>, options: { nodeArgs?: string[] } = {}): Promise<AppServer> {
  ensureBuilt();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = env.QUIRE_DATA_DIR ?? mkdtempSync(path.join(tmpdir(), "quire-e2e-"));
  let output = "";
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    APP_URL: url,
    QUIRE_DATA_DIR: dataDir,
    SESSION_SECRET: "e2e-session-secret-long-enough-for-quire",
    LOG_LEVEL: "debug",
    QUIRE_DOCS_DIR: path.join(dataDir, "no-docs"),
    ...env,
  };
  const args = nextStartArgs(root, { port, host: "127.0.0.1", env: childEnv, nodeArgs: options.nodeArgs });
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const logs = () => output;
  await waitForReady(url, child, logs);
  return {
    url,
    dataDir,
    pid: child.pid ?? 0,
    logs,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5000).unref();
      }),
  };
}
