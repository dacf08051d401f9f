import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/** A work repository and a bare remote under `root`, driven by git independent of the machine's config and clock. */
export interface GitFixture {
  work: string;
  bare: string;
  /** The remote as a file:// URL. */
  url: string;
  git(cwd: string, ...args: string[]): string;
  /** Writes (or, for null, deletes) files in the work repository. */
  write(files: Record<string, string | null>): void;
  /** Commits everything and pushes it to the remote's main; returns the commit. */
  commitAll(message: string): string;
}

/** A git runner for test repositories: fixed author, committer and clock (a minute per call), no machine config. */
export function testGit(): (cwd: string, ...args: string[]) => string {
  let clock = 1_700_000_000;
  return (cwd, ...args) => {
    clock += 60;
    const date = `${clock} +0000`;
    return execFileSync("git", ["-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", ...args], {
      cwd,
      encoding: "utf8",
      env: {
        ...process.env,
        GIT_CONFIG_GLOBAL: "/dev/null",
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_AUTHOR_NAME: "Test",
        GIT_AUTHOR_EMAIL: "test@example.invalid",
        GIT_COMMITTER_NAME: "Test",
        GIT_COMMITTER_EMAIL: "test@example.invalid",
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_DATE: date,
      },
    }).trim();
  };
}

/** Writes (or, for null, deletes) files under `dir`. */
export function writeFiles(dir: string, files: Record<string, string | null>): void {
  for (const [file, content] of Object.entries(files)) {
    const target = path.join(dir, file);
    if (content === null) rmSync(target);
    else {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, content);
    }
  }
}

export function createGitFixture(root: string): GitFixture {
  const git = testGit();
  const work = path.join(root, "work");
  const bare = path.join(root, "remote.git");
  mkdirSync(work, { recursive: true });
  git(root, "init", "-q", "--bare", bare);
  git(work, "init", "-q");
  git(work, "remote", "add", "origin", bare);
  return {
    work,
    bare,
    url: `file://${bare}`,
    git,
    write: (files) => writeFiles(work, files),
    commitAll: (message) => {
      git(work, "add", "-A");
      git(work, "commit", "-q", "-m", message);
      git(work, "push", "-q", "origin", "HEAD:main");
      return git(work, "rev-parse", "HEAD");
    },
  };
}
