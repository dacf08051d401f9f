import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { materialiseGit, type GitSourceOptions } from "@/src/server/rag/sources/git";
import { SourceUnavailableError } from "@/src/server/rag/sources/types";
import { createGitFixture, writeFiles, type GitFixture } from "@/test/support/git-repo";

const corpusDir = path.resolve(import.meta.dirname, "../../../shared/corpus/quilibrium-docs");

let root: string;
let work: string;
let remoteUrl: string;
let fixture: GitFixture;
const git = (cwd: string, ...args: string[]): string => fixture.git(cwd, ...args);
const write = writeFiles;
const commitAll = (message: string): string => fixture.commitAll(message);

/** Files of a materialised folder (outside .git), relative, sorted, with their content. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (relative: string): void => {
    for (const entry of readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      if (entry.name === ".git") continue;
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else files[child] = readFileSync(path.join(dir, child), "utf8");
    }
  };
  walk("");
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
}

function checkout(name: string): string {
  return path.join(root, "checkouts", name);
}

async function failure(options: GitSourceOptions): Promise<SourceUnavailableError> {
  const error = await materialiseGit(options).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SourceUnavailableError);
  return error as SourceUnavailableError;
}

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), "quire-git-"));
  fixture = createGitFixture(root);
  ({ work, url: remoteUrl } = fixture);
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("git source", () => {
  let first: string;
  let second: string;
  let secondDate: string;

  it("first sync checks out the remote's default branch; no dates are claimed from a depth-1 history", async () => {
    write(work, { "README.md": "# Readme\n", "docs/intro.md": "# Intro\n", "docs/guide/setup.mdx": "# Setup\n", "docs/old.md": "# Old\n" });
    commitAll("root");
    write(work, { "docs/keep.md": "# Keep\n" });
    first = commitAll("second");
    const progress: number[] = [];
    const source = await materialiseGit({ url: remoteUrl, checkoutDir: checkout("main"), onProgress: (event) => progress.push(event.done) });
    expect(source.revision).toBe(first);
    expect(source.commit).toBe(first);
    expect(source.commitDate).toBe(git(work, "show", "-s", "--format=%cI", first));
    expect(source.dir).toBe(checkout("main"));
    expect(Object.keys(snapshot(source.dir))).toEqual(["docs/guide/setup.mdx", "docs/intro.md", "docs/keep.md", "docs/old.md", "README.md"]);
    expect(source.updatedAt?.("docs/intro.md")).toBeNull();
    expect(source.updatedAt?.("docs/keep.md")).toBeNull();
    expect(source.citationUrl("docs/intro.md", "intro")).toBeNull();
    expect(source.citationKey).toBe("viewer");
    expect(source.notices).toEqual([]);
    expect(progress).toEqual([0, 1]);
  });

  it("an unchanged remote costs one fetch and no checkout", async () => {
    const indexFile = path.join(checkout("main"), ".git", "index");
    const before = statSync(indexFile).mtimeMs;
    const source = await materialiseGit({ url: remoteUrl, checkoutDir: checkout("main") });
    expect(source.revision).toBe(first);
    expect(statSync(indexFile).mtimeMs).toBe(before);
  });

  it("adds, changes, deletes and renames are reflected exactly, with the new commit's date on what changed", async () => {
    git(work, "mv", "docs/guide/setup.mdx", "docs/guide/install.mdx");
    write(work, { "docs/intro.md": "# Intro\n\nChanged.\n", "docs/old.md": null, "docs/new.md": "# New\n" });
    second = commitAll("change");
    secondDate = git(work, "show", "-s", "--format=%cI", second);
    // A stray file in the working copy must not survive into the materialised folder.
    writeFileSync(path.join(checkout("main"), "stray.md"), "# Stray\n");
    const source = await materialiseGit({ url: remoteUrl, checkoutDir: checkout("main") });
    expect(source.revision).toBe(second);
    expect(snapshot(source.dir)).toEqual(snapshot(work));
    expect(Object.keys(snapshot(source.dir))).toEqual(["docs/guide/install.mdx", "docs/intro.md", "docs/keep.md", "docs/new.md", "README.md"]);
    expect(source.updatedAt?.("docs/intro.md")).toBe(secondDate);
    expect(source.updatedAt?.("docs/new.md")).toBe(secondDate);
    expect(source.updatedAt?.("docs/guide/install.mdx")).toBe(secondDate);
    expect(source.updatedAt?.("docs/keep.md")).toBeNull();
    expect(source.updatedAt?.("README.md")).toBeNull();
  });

  it("dates of unchanged files survive a later sync", async () => {
    write(work, { "README.md": "# Readme\n\nAgain.\n" });
    const third = commitAll("readme");
    const thirdDate = git(work, "show", "-s", "--format=%cI", third);
    const source = await materialiseGit({ url: remoteUrl, checkoutDir: checkout("main") });
    expect(source.updatedAt?.("README.md")).toBe(thirdDate);
    expect(source.updatedAt?.("docs/intro.md")).toBe(secondDate);
    expect(source.updatedAt?.("docs/keep.md")).toBeNull();
    expect(JSON.parse(readFileSync(path.join(checkout("main"), ".git", "quire-dates.json"), "utf8"))).toMatchObject({ version: 1, commit: third });
  });

  it("a plain local path works like file://, and a root commit dates every file", async () => {
    const single = path.join(root, "single");
    mkdirSync(single);
    git(single, "init", "-q");
    write(single, { "a.md": "# A\n" });
    git(single, "add", "-A");
    git(single, "commit", "-q", "-m", "only");
    const source = await materialiseGit({ url: single, checkoutDir: checkout("single") });
    expect(source.revision).toBe(git(single, "rev-parse", "HEAD"));
    expect(source.updatedAt?.("a.md")).toBe(git(single, "show", "-s", "--format=%cI", "HEAD"));
  });

  it("ref: a branch, a lightweight and an annotated tag, a full sha and a short sha at a tip", async () => {
    git(work, "tag", "light", first);
    git(work, "tag", "-a", "-m", "annotated", "v1", second);
    git(work, "branch", "feature", first);
    // A branch whose name looks like a short sha is taken by name.
    git(work, "branch", "cafe", second);
    git(work, "push", "-q", "origin", "light", "v1", "feature", "cafe");
    for (const [ref, expected] of [
      ["feature", first],
      ["light", first],
      ["v1", second],
      [second, second],
      [first.slice(0, 10), first],
      ["cafe", second],
    ] as const) {
      const source = await materialiseGit({ url: remoteUrl, ref, checkoutDir: checkout("refs") });
      expect({ ref, revision: source.revision }).toEqual({ ref, revision: expected });
    }
    const source = await materialiseGit({ url: remoteUrl, ref: "light", checkoutDir: checkout("refs") });
    expect(Object.keys(snapshot(source.dir))).toContain("docs/old.md");
  });

  it("a short sha that is no tip, an unknown ref, and an unsafe ref are refused with the ref named", async () => {
    const root = git(work, "rev-list", "--max-parents=0", "HEAD");
    expect((await failure({ url: remoteUrl, ref: root.slice(0, 8), checkoutDir: checkout("bad-ref") })).message).toBe(
      `could not fetch ${remoteUrl} (ref ${root.slice(0, 8)}): a short commit sha must be the tip of a branch or tag; give the full 40-character sha`,
    );
    expect((await failure({ url: remoteUrl, ref: "nope", checkoutDir: checkout("bad-ref") })).message).toBe(`could not fetch ${remoteUrl} (ref nope): no such branch or tag`);
    expect((await failure({ url: remoteUrl, ref: "--upload-pack=touch", checkoutDir: checkout("bad-ref") })).message).toContain("is not a branch, tag or commit sha");
  });

  it("path: the docs folder only, with a missing or escaping path refused and the previous checkout kept", async () => {
    const source = await materialiseGit({ url: remoteUrl, path: "docs/", checkoutDir: checkout("docs") });
    expect(source.dir).toBe(path.join(checkout("docs"), "docs"));
    expect(Object.keys(snapshot(source.dir))).toEqual(["guide/install.mdx", "intro.md", "keep.md", "new.md"]);
    expect(source.updatedAt?.("intro.md")).toBeNull();
    const site = await materialiseGit({ url: remoteUrl, path: "docs", docsBaseUrl: "https://docs.example.com", checkoutDir: checkout("docs") });
    expect(site.citationUrl("guide/install.mdx", "linux")).toBe("https://docs.example.com/guide/install#linux");
    expect(site.citationKey).toBe("base:https://docs.example.com");
    expect((await failure({ url: remoteUrl, path: "manual", checkoutDir: checkout("docs") })).message).toMatch(/path manual is not a folder at commit [0-9a-f]{12}$/);
    expect((await failure({ url: remoteUrl, path: "docs/../..", checkoutDir: checkout("docs") })).message).toContain('must stay inside the repository (no "..")');
    expect((await failure({ url: remoteUrl, path: "/etc", checkoutDir: checkout("docs") })).message).toContain("must be relative to the repository root");
    expect(Object.keys(snapshot(source.dir))).toHaveLength(4);
  });

  it("an unreachable remote is a SourceUnavailableError and the previous checkout keeps its files", async () => {
    const before = snapshot(checkout("main"));
    const missing = `file://${path.join(root, "gone.git")}`;
    expect((await failure({ url: missing, checkoutDir: checkout("main") })).message).toBe(`could not fetch ${missing} (ref HEAD): repository not found`);
    expect(snapshot(checkout("main"))).toEqual(before);
    expect(Object.keys(before)).toHaveLength(5);
  });

  it("the token travels as a header scoped to the remote, never in errors, argv or .git/config", async () => {
    const token = "ghp_FAKEtoken1234567890";
    const headers: (string | undefined)[] = [];
    const server: Server = createServer((request, response) => {
      headers.push(request.headers.authorization);
      response.statusCode = 404;
      response.end(`no repository, token ${token}`);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const url = `http://127.0.0.1:${port}/o/r.git`;
      const error = await failure({ url, tokenEnv: "QUIRE_GIT_TOKEN", env: { QUIRE_GIT_TOKEN: token }, checkoutDir: checkout("token") });
      expect(error.message).toBe(`could not fetch ${url} (ref HEAD): repository not found`);
      expect(headers[0]).toBe(`Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`);
      expect(readFileSync(path.join(checkout("token"), ".git", "config"), "utf8")).not.toContain(token);
      expect(readFileSync(path.join(checkout("token"), ".git", "config"), "utf8")).not.toContain("Authorization");
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    // A closed port: the error names the server without the token.
    const closed = `http://127.0.0.1:1/o/r.git`;
    const error = await failure({ url: closed, tokenEnv: "QUIRE_GIT_TOKEN", env: { QUIRE_GIT_TOKEN: token }, checkoutDir: checkout("token") });
    expect(error.message).toBe(`could not fetch ${closed} (ref HEAD): cannot connect to the server`);
    expect(`${error.message} ${String(error.cause)}`).not.toContain(token);
  });

  it("a cancelled sync rejects with the signal's reason and leaves the checkout alone", async () => {
    const before = snapshot(checkout("main"));
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(materialiseGit({ url: remoteUrl, checkoutDir: checkout("main"), signal: controller.signal })).rejects.toThrow("stop");
    expect(snapshot(checkout("main"))).toEqual(before);
  });

  it("credentials in the URL, ssh remotes, a missing token variable and a token over plain http are refused", async () => {
    const dir = checkout("refused");
    expect((await failure({ url: "https://user:secret@example.invalid/o/r.git", checkoutDir: dir })).message).toBe(
      "git source https://example.invalid/o/r.git: the URL carries credentials; remove them and name an environment variable holding the token in tokenEnv",
    );
    expect((await failure({ url: "git@github.com:o/r.git", checkoutDir: dir })).message).toContain("ssh remotes are not supported");
    expect((await failure({ url: "https://example.invalid/o/r.git", tokenEnv: "NOPE", env: {}, checkoutDir: dir })).message).toContain("NOPE (tokenEnv) is not set");
    expect((await failure({ url: "http://example.invalid/o/r.git", tokenEnv: "T", env: { T: "abcd1234" }, checkoutDir: dir })).message).toContain("only sent over https");
    expect(existsSync(dir)).toBe(false);
  });

  it("submodules and LFS pointers become notices", async () => {
    write(work, { "docs/big.md": "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12\n" });
    git(work, "add", "-A");
    // A gitlink without its folder: `add -A` would drop it again, so commit the index as it is.
    git(work, "update-index", "--add", "--cacheinfo", `160000,${first},docs/vendored`);
    git(work, "commit", "-q", "-m", "lfs and submodule");
    git(work, "push", "-q", "origin", "HEAD:main");
    const source = await materialiseGit({ url: remoteUrl, path: "docs", checkoutDir: checkout("main-notices") });
    expect(source.notices).toEqual([
      { where: "docs/vendored", message: "a git submodule: not fetched, its docs are not indexed" },
      { where: "docs/big.md", message: "a Git LFS pointer, not the file: LFS content is not fetched, so this file holds only the pointer" },
    ]);
  });
});

describe.skipIf(!existsSync(corpusDir))(
  existsSync(corpusDir) ? "git source on the shared corpus (timing)" : "git source on the shared corpus (skipped: ../shared/corpus is not beside the repository)",
  () => {
    it("materialises the corpus from a local bare remote, then re-syncs an unchanged remote", async () => {
      const corpusWork = path.join(root, "corpus-work");
      const corpusBare = path.join(root, "corpus.git");
      cpSync(corpusDir, corpusWork, { recursive: true });
      git(root, "init", "-q", "--bare", corpusBare);
      git(corpusWork, "init", "-q");
      git(corpusWork, "add", "-A");
      git(corpusWork, "commit", "-q", "-m", "corpus");
      git(corpusWork, "push", "-q", corpusBare, "HEAD:main");
      const url = `file://${corpusBare}`;
      const started = performance.now();
      const source = await materialiseGit({ url, checkoutDir: checkout("corpus") });
      const firstMs = performance.now() - started;
      const again = performance.now();
      await materialiseGit({ url, checkoutDir: checkout("corpus") });
      const resyncMs = performance.now() - again;
      expect(Object.keys(snapshot(source.dir))).toHaveLength(363);
      console.log(`git source, corpus of 363 files over file://: first sync ${firstMs.toFixed(0)} ms, unchanged re-sync ${resyncMs.toFixed(0)} ms`);
    });
  },
);
