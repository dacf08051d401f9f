import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  describeGitRemote,
  forgeFileUrl,
  forgeRepository,
  normaliseRepositoryPath,
  parseFetchableRemote,
  scrubSecrets,
} from "@/src/server/rag/sources/git/remote";

const SHA = "0123456789abcdef0123456789abcdef01234567";

describe("parseFetchableRemote", () => {
  it("accepts https, http, file and local paths", () => {
    expect(parseFetchableRemote("https://GitHub.com/o/r.git")).toEqual({ kind: "https", target: "https://GitHub.com/o/r.git", host: "github.com" });
    expect(parseFetchableRemote("http://127.0.0.1:8080/r")).toEqual({ kind: "http", target: "http://127.0.0.1:8080/r", host: "127.0.0.1:8080" });
    expect(parseFetchableRemote("file:///srv/r.git")).toEqual({ kind: "file", target: "file:///srv/r.git", host: null });
    expect(parseFetchableRemote("/srv/r.git")).toEqual({ kind: "local", target: "/srv/r.git", host: null });
    expect(parseFetchableRemote("./r.git")).toEqual({ kind: "local", target: path.resolve("r.git"), host: null });
  });

  it("refuses ssh, other transports and credentials in the URL", () => {
    expect(parseFetchableRemote("git@github.com:o/r.git")).toEqual({ error: "ssh remotes are not supported; use an https:// URL (with tokenEnv for a private repository)" });
    expect(parseFetchableRemote("ssh://git@github.com/o/r.git")).toEqual({ error: "the ssh:// transport is not supported; use https://, http://, file:// or a local path" });
    expect(parseFetchableRemote("ext::sh -c touch% /tmp/x")).toEqual({ error: "ssh remotes are not supported; use an https:// URL (with tokenEnv for a private repository)" });
    expect(parseFetchableRemote("https://x-access-token:ghp_secret@github.com/o/r.git")).toEqual({
      error: "the URL carries credentials; remove them and name an environment variable holding the token in tokenEnv",
    });
    expect(parseFetchableRemote("https://oauth2@gitlab.com/o/r.git")).toHaveProperty("error");
  });
});

describe("describeGitRemote", () => {
  it("removes user names and passwords", () => {
    expect(describeGitRemote("https://user:ghp_secret@github.com/o/r.git")).toBe("https://github.com/o/r.git");
    expect(describeGitRemote("https://github.com/o/r.git")).toBe("https://github.com/o/r.git");
    expect(describeGitRemote("git@github.com:o/r.git")).toBe("github.com:o/r.git");
    expect(describeGitRemote("/srv/r.git")).toBe("/srv/r.git");
  });
});

describe("forge links", () => {
  it("recognises the four forges from https and scp-like URLs", () => {
    expect(forgeRepository("https://github.com/o/r.git")).toEqual({ host: "github.com", repository: "o/r" });
    expect(forgeRepository("git@github.com:o/r.git")).toEqual({ host: "github.com", repository: "o/r" });
    expect(forgeRepository("https://gitlab.com/group/sub/r")).toEqual({ host: "gitlab.com", repository: "group/sub/r" });
    expect(forgeRepository("git@gitlab.com:group/r.git")).toEqual({ host: "gitlab.com", repository: "group/r" });
    expect(forgeRepository("https://codeberg.org/o/r/")).toEqual({ host: "codeberg.org", repository: "o/r" });
    expect(forgeRepository("https://bitbucket.org/o/r.git")).toEqual({ host: "bitbucket.org", repository: "o/r" });
  });

  it("knows nothing of other hosts, ports, plain http or incomplete paths", () => {
    expect(forgeRepository("https://git.example.com/o/r.git")).toBeNull();
    expect(forgeRepository("https://github.com:8443/o/r.git")).toBeNull();
    expect(forgeRepository("http://github.com/o/r.git")).toBeNull();
    expect(forgeRepository("https://github.com/o")).toBeNull();
    expect(forgeRepository("https://github.com/o/r/extra")).toBeNull();
    expect(forgeRepository("file:///srv/r.git")).toBeNull();
    expect(forgeRepository("/srv/github.com/o/r")).toBeNull();
  });

  it("builds each forge's file-at-commit URL with encoded segments and the anchor", () => {
    const file = "docs/Getting Started/ä#1.md";
    expect(forgeFileUrl({ host: "github.com", repository: "o/r" }, SHA, file, "install-linux")).toBe(
      `https://github.com/o/r/blob/${SHA}/docs/Getting%20Started/%C3%A4%231.md#install-linux`,
    );
    expect(forgeFileUrl({ host: "gitlab.com", repository: "g/s/r" }, SHA, "a.md", null)).toBe(`https://gitlab.com/g/s/r/-/blob/${SHA}/a.md`);
    expect(forgeFileUrl({ host: "codeberg.org", repository: "o/r" }, SHA, "a.md", "x y")).toBe(`https://codeberg.org/o/r/src/commit/${SHA}/a.md#x%20y`);
    expect(forgeFileUrl({ host: "bitbucket.org", repository: "o/r" }, SHA, "a.md", "x")).toBe(`https://bitbucket.org/o/r/src/${SHA}/a.md#x`);
  });
});

describe("scrubSecrets", () => {
  it("removes the secrets, Authorization values and URL userinfo", () => {
    const text = "fatal: unable to access 'https://me:pw@h/o/r/': token tok_123456 rejected\nAuthorization: Basic dG9rOnNlY3JldA==\n";
    expect(scrubSecrets(text, ["tok_123456", ""])).toBe("fatal: unable to access 'https://h/o/r/': token *** rejected\nAuthorization: ***\n");
  });
});

describe("normaliseRepositoryPath", () => {
  it("cleans relative paths and refuses escapes", () => {
    expect(normaliseRepositoryPath(undefined)).toBe("");
    expect(normaliseRepositoryPath("./docs//guide/")).toBe("docs/guide");
    expect(normaliseRepositoryPath(".")).toBe("");
    expect(normaliseRepositoryPath("docs/../../x")).toEqual({ error: 'path "docs/../../x" must stay inside the repository (no "..")' });
    expect(normaliseRepositoryPath("/etc")).toEqual({ error: 'path "/etc" must be relative to the repository root' });
    expect(normaliseRepositoryPath("docs\\x")).toEqual({ error: 'path "docs\\\\x" must use / separators' });
    expect(normaliseRepositoryPath(".git/hooks")).toEqual({ error: 'path ".git/hooks" must not name .git' });
  });
});
