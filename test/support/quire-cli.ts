import { spawn } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

export interface QuireRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `quire` command (cli/quire.mjs) in its own process, without blocking the caller's event loop. */
export function runQuire(args: string[], env: NodeJS.ProcessEnv, cwd = root): Promise<QuireRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, "cli/quire.mjs"), ...args], { cwd, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (data: Buffer) => (stdout += data.toString()));
    child.stderr.on("data", (data: Buffer) => (stderr += data.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
