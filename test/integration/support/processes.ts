import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * Real processes for the crash and lock tests (store-crash, store-lock-crash): the
 * app's TypeScript run as the CLI runs it, their output collected, a wait for a line.
 */

const root = path.resolve(import.meta.dirname, "../../..");
const register = path.join(root, "bench/lib/register.mjs");
const { CHUTES_API_KEY: _chutes, OPENROUTER_API_KEY: _openrouter, DATABASE_URL: _database, ...baseEnv } = process.env;

export interface Running {
  child: ChildProcess;
  output(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `node <args>` in the repository (or `cwd`), with no provider keys and no DATABASE_URL in its env. */
export function run(args: string[], options: { env?: Record<string, string>; cwd?: string; uid?: number } = {}): Running {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? root,
    env: { ...baseEnv, LOG_LEVEL: "info", ...options.env },
    ...(options.uid !== undefined && { uid: options.uid, gid: options.uid }),
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (data: Buffer) => (stdout += data.toString()));
  child.stderr?.on("data", (data: Buffer) => (stderr += data.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => stdout, stderr: () => stderr, exited };
}

/** A TypeScript script run as the app runs server code: tsx, `@/` paths, server-only as an empty module. */
export const runScript = (source: string, args: string[], env: Record<string, string> = {}) =>
  run(["--import", register, "--input-type=module", "-e", source, ...args], { env });

/** Resolves with the first match of `pattern` in the output; fails once the process exits or the time is up. */
export async function waitFor(running: Running, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = (running.output() + running.stderr()).match(pattern);
    if (match) return match;
    if (running.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`no ${pattern} (exit ${running.child.exitCode}):\n${running.output()}\n${running.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));
export const freshDir = (prefix: string) => mkdtempSync(path.join(tmpdir(), `quire-${prefix}-`));
