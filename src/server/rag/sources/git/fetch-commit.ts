import "server-only";
import { GitCommandError, type GitRunner } from "@/src/server/rag/sources/git/run-git";

/** The local ref each sync fetches into; it keeps the fetched commit reachable until it is checked out. */
export const FETCHED_REF = "refs/quire/fetched";

const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
const SHORT_SHA = /^[0-9a-f]{4,39}$/i;
// A conservative subset of git's ref names: enough for branches, tags and shas, and never an option.
const SAFE_REF = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*\.lock$)[A-Za-z0-9][A-Za-z0-9._/-]*(?<!\/)$/;

export function isSafeRef(ref: string): boolean {
  return SAFE_REF.test(ref);
}

/** Why a fetch failed, in the operator's words. git reports only exit code 128, so its text is all there is. */
export function describeFetchFailure(error: GitCommandError, ref: string): string {
  if (error.reason === "timeout") return "git timed out";
  if (error.reason === "aborted") return "the sync was cancelled";
  const text = error.stderr;
  if (/couldn't find remote ref/i.test(text)) return ref === "HEAD" ? "the repository has no default branch (is it empty?)" : "no such branch or tag";
  if (/not our ref|unadvertised object|upload-pack: not our|want .* not valid/i.test(text)) {
    return "the server refuses to fetch this commit directly; name a branch or tag, or a commit at the tip of one";
  }
  if (/repository .* not found|does not appear to be a git repository|returned error: 404|not found/i.test(text)) return "repository not found";
  if (/authentication failed|could not read username|returned error: 40[13]|terminal prompts disabled/i.test(text)) {
    return "authentication failed (a private repository needs tokenEnv naming a variable that holds a token)";
  }
  if (/could not resolve host/i.test(text)) return "the host name does not resolve";
  if (/failed to connect|connection refused|couldn't connect/i.test(text)) return "cannot connect to the server";
  return error.message.replace(/^fatal:\s*/, "");
}

/**
 * A short sha cannot be fetched (servers want full ids), and with depth 1 there is no
 * history to look it up in. It can still name the tip of a branch or tag, which the
 * remote advertises: that is resolved here, and a branch or tag literally named like
 * the short sha wins.
 */
async function resolveShortSha(runner: GitRunner, cwd: string, target: string, ref: string): Promise<{ name: string; bySha: boolean } | { error: string }> {
  const listing = await runner.run(["ls-remote", "--", target], cwd);
  const lines = listing
    .split("\n")
    .map((line) => line.split("\t"))
    .filter((parts): parts is [string, string] => parts.length === 2);
  const named = lines.find(([, name]) => name === `refs/heads/${ref}` || name === `refs/tags/${ref}`);
  if (named) return { name: named[1], bySha: false };
  const matching = new Set(lines.filter(([sha]) => sha.toLowerCase().startsWith(ref.toLowerCase())).map(([, name]) => name.replace(/\^\{\}$/, "")));
  if (matching.size === 0) return { error: "a short commit sha must be the tip of a branch or tag; give the full 40-character sha" };
  const names = [...matching];
  const name = names.find((candidate) => candidate.startsWith("refs/heads/")) ?? names[0];
  return name === undefined ? { error: "short sha not found" } : { name, bySha: true };
}

/**
 * Fetches `ref` at depth 1 into FETCHED_REF and returns the commit's full sha. Nothing
 * in the working tree changes here, so a failure leaves the previous checkout as it was.
 */
export async function fetchCommit(runner: GitRunner, checkoutDir: string, target: string, ref: string): Promise<string | { error: string }> {
  try {
    let remoteRef = ref;
    let bySha = false;
    if (!FULL_SHA.test(ref) && SHORT_SHA.test(ref)) {
      const resolved = await resolveShortSha(runner, checkoutDir, target, ref);
      if ("error" in resolved) return resolved;
      remoteRef = resolved.name;
      bySha = resolved.bySha;
    }
    await runner.run(["fetch", "--quiet", "--depth=1", "--no-tags", "--no-recurse-submodules", "--no-write-fetch-head", "--", target, `+${remoteRef}:${FETCHED_REF}`], checkoutDir);
    const commit = (await runner.run(["rev-parse", "--verify", `${FETCHED_REF}^{commit}`], checkoutDir)).trim();
    if (bySha && !commit.toLowerCase().startsWith(ref.toLowerCase())) {
      return { error: `${remoteRef} moved while syncing; try again` };
    }
    return commit;
  } catch (error) {
    if (error instanceof GitCommandError) return { error: describeFetchFailure(error, ref) };
    throw error;
  }
}
