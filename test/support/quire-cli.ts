import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

export interface QuireRun {
  code: number | null;
  /** The signal that ended it, if one did. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningQuire {
  child: ChildProcess;
  /** What it printed on stderr so far. */
  stderr: () => string;
  done: Promise<QuireRun>;
}

/** Starts the real `quire` command (cli/quire.mjs) in its own process. */
export function startQuire(args: string[], env: NodeJS.ProcessEnv, cwd = root): RunningQuire {
  const child = spawn(process.execPath, [path.join(root, "cli/quire.mjs"), ...args], { cwd, env });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (data: Buffer) => (stdout += data.toString()));
  child.stderr.on("data", (data: Buffer) => (stderr += data.toString()));
  const done = new Promise<QuireRun>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, stderr: () => stderr, done };
}

/** Runs `quire` to the end without blocking the caller's event loop (fakes may answer it from this process). */
export function runQuire(args: string[], env: NodeJS.ProcessEnv, cwd = root): Promise<QuireRun> {
  return startQuire(args, env, cwd).done;
}
