import "server-only";
import { execFile } from "node:child_process";

/** git 2.32 is the first to honour both GIT_CONFIG_COUNT (2.31) and GIT_CONFIG_GLOBAL (2.32). */
const MINIMUM_GIT = [2, 32] as const;

export interface GitRunner {
  /** Runs `git <args>` in `cwd`; resolves with stdout, rejects with a GitCommandError. */
  run(args: readonly string[], cwd: string): Promise<string>;
}

/** A git command that failed; `stderr` is already scrubbed of secrets. */
export class GitCommandError extends Error {
  constructor(
    readonly stderr: string,
    readonly reason: "exit" | "timeout" | "aborted" | "missing",
    options?: { cause?: unknown },
  ) {
    super(stderr.trim().split("\n").filter(Boolean).at(-1) ?? reason, options);
    this.name = "GitCommandError";
  }
}

export interface GitRunnerOptions {
  /** Extra `GIT_CONFIG_*` pairs (the token's header); they live in the child's environment only, never on argv or disk. */
  config: readonly (readonly [key: string, value: string])[];
  scrub: (text: string) => string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * The child's environment: the parent's minus every GIT_* and askpass variable (a stray
 * GIT_DIR would aim at another repository, GIT_TRACE_CURL would print the token), plus
 * settings that keep the user's global and system config, prompts and helpers out.
 */
function childEnvironment(config: GitRunnerOptions["config"]): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(environment)) {
    if (key.startsWith("GIT_") || key === "SSH_ASKPASS") delete environment[key];
  }
  Object.assign(environment, {
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    // Only these transports: no ssh, no `ext::` remote helpers running commands.
    GIT_ALLOW_PROTOCOL: "http:https:file",
    GIT_LFS_SKIP_SMUDGE: "1",
    LC_ALL: "C",
    GIT_CONFIG_COUNT: String(config.length),
  });
  config.forEach(([key, value], index) => {
    environment[`GIT_CONFIG_KEY_${index}`] = key;
    environment[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return environment;
}

/** Settings for every command: no hooks, no credential helpers, bytes checked out as stored. */
const SAFE_SETTINGS = [
  "-c", "core.hooksPath=/dev/null",
  "-c", "credential.helper=",
  "-c", "core.autocrlf=false",
  "-c", "core.fsmonitor=false",
  "-c", "advice.detachedHead=false",
  "-c", "init.defaultBranch=quire",
];

export function createGitRunner(options: GitRunnerOptions): GitRunner {
  const env = childEnvironment(options.config);
  return {
    run: (args, cwd) =>
      new Promise((resolve, reject) => {
        execFile(
          "git",
          [...SAFE_SETTINGS, ...args],
          { cwd, env, timeout: options.timeoutMs, signal: options.signal, maxBuffer: 256 * 1024 * 1024, encoding: "utf8", windowsHide: true },
          (error, stdout, stderr) => {
            if (!error) return resolve(stdout);
            // A cancelled sync rejects with the caller's own reason, as fetch() does.
            if (options.signal?.aborted) return reject(options.signal.reason);
            const code = (error as NodeJS.ErrnoException).code;
            const reason = code === "ENOENT" ? "missing" : error.name === "AbortError" ? "aborted" : error.killed ? "timeout" : "exit";
            reject(new GitCommandError(options.scrub(String(stderr)), reason, { cause: options.scrub(error.message) }));
          },
        );
      }),
  };
}

/** Null when git is usable; otherwise why not (absent, or too old to keep the token off argv and global config out). */
export async function checkGitVersion(runner: GitRunner, cwd: string): Promise<string | null> {
  let output: string;
  try {
    output = await runner.run(["--version"], cwd);
  } catch (error) {
    if (error instanceof GitCommandError && error.reason === "missing") return "git is not installed (no `git` command on PATH)";
    throw error;
  }
  const match = /(\d+)\.(\d+)/.exec(output);
  const major = Number(match?.[1] ?? 0);
  const minor = Number(match?.[2] ?? 0);
  if (major < MINIMUM_GIT[0] || (major === MINIMUM_GIT[0] && minor < MINIMUM_GIT[1])) {
    return `git ${major}.${minor} is too old: the git source needs ${MINIMUM_GIT.join(".")} or newer`;
  }
  return null;
}
