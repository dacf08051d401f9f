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

export function createGitFixture(root: string): GitFixture {
  let clock = 1_700_000_000;
  const git = (cwd: string, ...args: string[]): string => {
    clock += 60;
    const date = `${clock} +0000`;
    return execFileSync("git", ["-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", ...args], {
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
    write: (files) => {
      for (const [file, content] of Object.entries(files)) {
        const target = path.join(work, file);
        if (content === null) rmSync(target);
        else {
          mkdirSync(path.dirname(target), { recursive: true });
          writeFileSync(target, content);
        }
      }
    },
    commitAll: (message) => {
      git(work, "add", "-A");
      git(work, "commit", "-q", "-m", message);
      git(work, "push", "-q", "origin", "HEAD:main");
      return git(work, "rev-parse", "HEAD");
    },
  };
}
