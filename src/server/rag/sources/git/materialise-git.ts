import "server-only";
import { existsSync } from "node:fs";
import { mkdir, open, readdir } from "node:fs/promises";
import path from "node:path";
import { DOCUMENT_EXTENSIONS } from "@/src/server/rag/load/load-documents";
import { advanceDates, readDatesManifest, writeDatesManifest, type DatesManifest } from "@/src/server/rag/sources/git/dates";
import { fetchCommit, isSafeRef } from "@/src/server/rag/sources/git/fetch-commit";
import { gitCitations, inRepository } from "@/src/server/rag/sources/git/citations";
import { describeGitRemote, normaliseRepositoryPath, parseFetchableRemote, scrubSecrets } from "@/src/server/rag/sources/git/remote";
import { checkGitVersion, createGitRunner, type GitRunner } from "@/src/server/rag/sources/git/run-git";
import { SourceUnavailableError, type MaterialisedSource, type MaterialiseProgress, type SourceNotice } from "@/src/server/rag/sources/types";

export interface GitSourceOptions {
  /** https://…, ssh-less: http(s)://, file://, or a local path to a repository. */
  url: string;
  /** branch, tag or full/short commit sha; default: the remote's HEAD (default branch). */
  ref?: string;
  /** sub-folder of the repository holding the docs, e.g. "docs"; default: the root. Must stay inside the repo. */
  path?: string;
  /** Where the working copy lives, e.g. path.join(QUIRE_DATA_DIR, "sources", name). Created if missing, reused by later syncs. */
  checkoutDir: string;
  /**
   * Name of the environment variable holding an HTTPS token for a private repository. It is
   * sent as `Authorization: Basic base64("x-access-token:" + token)`, which GitHub (personal and
   * app tokens), GitLab personal/project tokens and Gitea/Codeberg accept. A value holding a
   * colon is taken as `username:password` as it is: GitLab OAuth tokens want `oauth2:<token>`,
   * Bitbucket `x-token-auth:<token>` or `<user>:<app password>`.
   */
  tokenEnv?: string;
  /** Environment to read the token from (default process.env), for tests. */
  env?: Record<string, string | undefined>;
  /** When set, citations link here: baseUrl + page path + #anchor, exactly like a folder with QUIRE_DOCS_BASE_URL. */
  docsBaseUrl?: string;
  onProgress?: MaterialiseProgress;
  signal?: AbortSignal;
  /** Per git command timeout, default 120 s. */
  timeoutMs?: number;
}

export type MaterialisedGitSource = MaterialisedSource & { commit: string; commitDate: string };

const LFS_POINTER = "version https://git-lfs.github.com/spec/";
const MAX_NOTICES_PER_KIND = 10;
const LOOPBACK_HOSTS = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/;

function unavailable(message: string): never {
  throw new SourceUnavailableError(message);
}

/**
 * The token as git's `http.<origin>/.extraHeader`, scoped to the remote's origin so a
 * redirect to another host does not carry it. It travels in the child's environment
 * (GIT_CONFIG_*), never on argv, in the URL or in .git/config.
 */
function tokenHeader(target: string, tokenValue: string): { config: [string, string]; secrets: string[] } {
  const credentials = tokenValue.includes(":") ? tokenValue : `x-access-token:${tokenValue}`;
  const encoded = Buffer.from(credentials, "utf8").toString("base64");
  const origin = new URL(target).origin;
  return { config: [`http.${origin}/.extraHeader`, `Authorization: Basic ${encoded}`], secrets: [tokenValue, credentials, encoded] };
}

interface Prepared {
  runner: GitRunner;
  target: string;
  described: string;
  ref: string;
  repositoryPath: string;
}

function prepare(options: GitSourceOptions): Prepared {
  const described = describeGitRemote(options.url);
  const remote = parseFetchableRemote(options.url);
  if ("error" in remote) unavailable(`git source ${described}: ${remote.error}`);
  const ref = options.ref ?? "HEAD";
  if (!isSafeRef(ref)) unavailable(`git source ${described}: ref ${JSON.stringify(ref)} is not a branch, tag or commit sha`);
  const repositoryPath = normaliseRepositoryPath(options.path);
  if (typeof repositoryPath !== "string") unavailable(`git source ${described}: ${repositoryPath.error}`);
  const config: [string, string][] = [];
  const secrets: string[] = [];
  if (options.tokenEnv !== undefined) {
    const tokenValue = (options.env ?? process.env)[options.tokenEnv];
    if (!tokenValue) unavailable(`git source ${described}: the environment variable ${options.tokenEnv} (tokenEnv) is not set`);
    if (remote.host === null) unavailable(`git source ${described}: a token is only sent to an http(s) remote`);
    // Fail closed: a token over plain http is readable on the wire, except to this machine (tests, a local mirror).
    if (remote.kind === "http" && !LOOPBACK_HOSTS.test(remote.host)) unavailable(`git source ${described}: a token is only sent over https`);
    const header = tokenHeader(remote.target, tokenValue);
    config.push(header.config);
    secrets.push(...header.secrets);
  }
  const timeoutMs = options.timeoutMs ?? 120_000;
  const runner = createGitRunner({ config, scrub: (text) => scrubSecrets(text, secrets), timeoutMs, signal: options.signal });
  return { runner, target: remote.target, described, ref, repositoryPath };
}

/** The working copy's folder, created on the first sync; a non-empty folder that is not ours is refused. */
async function ensureRepository(runner: GitRunner, checkoutDir: string, described: string): Promise<void> {
  if (existsSync(path.join(checkoutDir, ".git"))) return;
  await mkdir(checkoutDir, { recursive: true });
  if ((await readdir(checkoutDir)).length > 0) unavailable(`git source ${described}: ${checkoutDir} is not empty and not a git working copy`);
  await runner.run(["init", "--quiet"], checkoutDir);
}

async function currentCommit(runner: GitRunner, checkoutDir: string): Promise<string | null> {
  try {
    return (await runner.run(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], checkoutDir)).trim() || null;
  } catch {
    return null;
  }
}

interface TreeEntry {
  mode: string;
  type: string;
  size: number | null;
  path: string;
}

/** Every entry under the docs path at `commit` (`git ls-tree -r -l -z`). */
async function listTree(runner: GitRunner, checkoutDir: string, commit: string, repositoryPath: string): Promise<TreeEntry[]> {
  const output = await runner.run(["ls-tree", "-r", "-l", "-z", "--full-tree", commit, "--", repositoryPath === "" ? "." : repositoryPath], checkoutDir);
  return output
    .split("\0")
    .filter((record) => record !== "")
    .map((record) => {
      const [meta = "", file = ""] = record.split("\t");
      const [mode = "", type = "", , size = "-"] = meta.split(/\s+/);
      return { mode, type, size: size === "-" ? null : Number(size), path: file };
    });
}

/** Paths that differ between two commits, both present locally (each was fetched at depth 1). */
async function changedPaths(runner: GitRunner, checkoutDir: string, from: string, to: string): Promise<{ changed: string[]; deleted: string[] }> {
  const output = await runner.run(["diff", "--name-status", "--no-renames", "-z", from, to], checkoutDir);
  const fields = output.split("\0").filter((field) => field !== "");
  const changes = { changed: [] as string[], deleted: [] as string[] };
  for (let index = 0; index + 1 < fields.length; index += 2) {
    (fields[index] === "D" ? changes.deleted : changes.changed).push(fields[index + 1] ?? "");
  }
  return changes;
}

/** The new dates manifest: advanced from the last one when its commit is still here, otherwise started afresh. */
async function nextDates(runner: GitRunner, checkoutDir: string, commit: string, commitDate: string, tree: TreeEntry[]): Promise<DatesManifest> {
  const previous = await readDatesManifest(checkoutDir);
  if (previous?.commit === commit) return previous;
  if (previous !== null) {
    try {
      return advanceDates(previous.dates, await changedPaths(runner, checkoutDir, previous.commit, commit), commit, commitDate);
    } catch {
      // The previous commit's objects are gone (a pruned or replaced working copy): start afresh.
    }
  }
  // A commit without parents is the repository's first: every file changed in it.
  const raw = await runner.run(["cat-file", "commit", commit], checkoutDir);
  const isRoot = !/^parent /m.test(raw.split("\n\n")[0] ?? "");
  const dates: DatesManifest["dates"] = {};
  if (isRoot) for (const entry of tree) if (entry.type === "blob") dates[entry.path] = commitDate;
  return { version: 1, commit, dates };
}

async function startsWithLfsPointer(file: string): Promise<boolean> {
  const handle = await open(file, "r").catch(() => null);
  if (handle === null) return false;
  try {
    const buffer = Buffer.alloc(LFS_POINTER.length);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString("utf8") === LFS_POINTER;
  } finally {
    await handle.close();
  }
}

/** Submodules and LFS pointers under the docs path, at most a few of each, with a count of the rest. */
async function collectNotices(checkoutDir: string, tree: TreeEntry[], described: string): Promise<SourceNotice[]> {
  const submodules = tree.filter((entry) => entry.type === "commit").map((entry) => entry.path);
  const lfs: string[] = [];
  for (const entry of tree) {
    const isDocument = DOCUMENT_EXTENSIONS.some((extension) => entry.path.toLowerCase().endsWith(extension));
    // LFS pointers are under 1 KiB, so only small docs files are opened.
    if (entry.type === "blob" && isDocument && entry.size !== null && entry.size < 1024 && (await startsWithLfsPointer(path.join(checkoutDir, entry.path)))) {
      lfs.push(entry.path);
    }
  }
  const listed = (paths: string[], message: string): SourceNotice[] => [
    ...paths.slice(0, MAX_NOTICES_PER_KIND).map((where) => ({ where, message })),
    ...(paths.length > MAX_NOTICES_PER_KIND ? [{ where: described, message: `${paths.length - MAX_NOTICES_PER_KIND} more: ${message}` }] : []),
  ];
  return [
    ...listed(submodules, "a git submodule: not fetched, its docs are not indexed"),
    ...listed(lfs, "a Git LFS pointer, not the file: LFS content is not fetched, so this file holds only the pointer"),
  ];
}

/**
 * Brings a git repository's docs into `checkoutDir` (issue 13): a depth-1 fetch of `ref`,
 * then a detached checkout of that commit when it differs from the current one. The fetch
 * comes first and touches no file, so an unreachable remote, an unknown ref or a missing
 * `path` leaves the previous checkout, and the index built from it, as they were.
 */
export async function materialiseGit(options: GitSourceOptions): Promise<MaterialisedGitSource> {
  const { runner, target, described, ref, repositoryPath } = prepare(options);
  const checkoutDir = path.resolve(options.checkoutDir);
  const gitProblem = await checkGitVersion(runner, process.cwd());
  if (gitProblem !== null) unavailable(`git source ${described}: ${gitProblem}`);
  await ensureRepository(runner, checkoutDir, described);

  options.onProgress?.({ stage: "fetch", done: 0, total: 1, item: described });
  const fetched = await fetchCommit(runner, checkoutDir, target, ref);
  if (typeof fetched !== "string") unavailable(`could not fetch ${described} (ref ${ref}): ${fetched.error}`);
  const commit = fetched;
  options.onProgress?.({ stage: "fetch", done: 1, total: 1, item: described });

  if (repositoryPath !== "") {
    // `<commit>:<path>` walks trees only, so a symlink on the way (to /etc, say) is not a folder here.
    const kind = await runner.run(["cat-file", "-t", `${commit}:${repositoryPath}`], checkoutDir).catch(() => "missing");
    if (kind.trim() !== "tree") unavailable(`git source ${described} (ref ${ref}): path ${repositoryPath} is not a folder at commit ${commit.slice(0, 12)}`);
  }
  if ((await currentCommit(runner, checkoutDir)) !== commit) {
    await runner.run(["checkout", "--quiet", "--force", "--detach", commit], checkoutDir);
    // Untracked leftovers (an interrupted checkout, a hand edit) would be indexed as docs.
    await runner.run(["clean", "-ffdxq"], checkoutDir);
  }
  const commitDate = (await runner.run(["show", "-s", "--format=%cI", commit], checkoutDir)).trim();
  const tree = await listTree(runner, checkoutDir, commit, repositoryPath);
  const dates = await nextDates(runner, checkoutDir, commit, commitDate, tree);
  await writeDatesManifest(checkoutDir, dates);

  const links = gitCitations({ url: options.url, commit, repositoryPath, docsBaseUrl: options.docsBaseUrl });
  return {
    dir: repositoryPath === "" ? checkoutDir : path.join(checkoutDir, ...repositoryPath.split("/")),
    revision: commit,
    commit,
    commitDate,
    ...links,
    updatedAt: (relativePath) => dates.dates[inRepository(repositoryPath, relativePath)] ?? null,
    notices: await collectNotices(checkoutDir, tree, described),
  };
}
