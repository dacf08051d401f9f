import { describe, expect, it } from "vitest";
import { describeFetchFailure, isSafeRef } from "@/src/server/rag/sources/git/fetch-commit";
import { GitCommandError } from "@/src/server/rag/sources/git/run-git";

const failed = (stderr: string, reason: GitCommandError["reason"] = "exit") => new GitCommandError(stderr, reason);

describe("isSafeRef", () => {
  it("accepts branches, tags and shas, and refuses options and odd names", () => {
    for (const ref of ["main", "release/1.2", "v1.0.0", "HEAD", "0123abcd", "feature_x-2"]) expect({ ref, safe: isSafeRef(ref) }).toEqual({ ref, safe: true });
    for (const ref of ["-x", "--upload-pack=touch", "a..b", "a//b", "a/", "x.lock", "a b", "a:b", "a@{1}", ""]) {
      expect({ ref, safe: isSafeRef(ref) }).toEqual({ ref, safe: false });
    }
  });
});

describe("describeFetchFailure", () => {
  it("turns git's messages into one line the operator understands", () => {
    expect(describeFetchFailure(failed("fatal: couldn't find remote ref nope\n"), "nope")).toBe("no such branch or tag");
    expect(describeFetchFailure(failed("fatal: couldn't find remote ref HEAD\n"), "HEAD")).toBe("the repository has no default branch (is it empty?)");
    expect(describeFetchFailure(failed("fatal: remote error: upload-pack: not our ref 0123\n"), "0123")).toBe(
      "the server refuses to fetch this commit directly; name a branch or tag, or a commit at the tip of one",
    );
    expect(describeFetchFailure(failed("remote: Repository not found.\nfatal: repository 'https://github.com/o/r/' not found\n"), "HEAD")).toBe("repository not found");
    expect(describeFetchFailure(failed("fatal: could not read Username for 'https://github.com': terminal prompts disabled\n"), "HEAD")).toBe(
      "authentication failed (a private repository needs tokenEnv naming a variable that holds a token)",
    );
    expect(describeFetchFailure(failed("fatal: unable to access 'https://x.invalid/': Could not resolve host: x.invalid\n"), "HEAD")).toBe("the host name does not resolve");
    expect(describeFetchFailure(failed("", "timeout"), "HEAD")).toBe("git timed out");
    expect(describeFetchFailure(failed("warning: x\nfatal: something new\n"), "HEAD")).toBe("something new");
  });
});
