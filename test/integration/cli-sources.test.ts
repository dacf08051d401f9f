import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGitFixture, type GitFixture } from "@/test/support/git-repo";
import { runQuire } from "@/test/support/quire-cli";

/** `quire ingest --git/--source` and `quire status` with sources, in their own processes, with no provider key. */
describe("quire CLI with sources", () => {
  let work: string;
  let repo: GitFixture;
  let env: NodeJS.ProcessEnv;
  const quire = (...args: string[]) => runQuire(args, env, work);

  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), "quire-cli-sources-"));
    repo = createGitFixture(path.join(work, "git"));
    repo.write({ "docs/start.md": "# Start\n\nStart the relay with systemd.\n", "docs/ports.md": "# Ports\n\nOpen port 8336.\n", "src/main.ts": "// not docs\n" });
    repo.commitAll("docs");
    const { CHUTES_API_KEY: _chutes, OPENROUTER_API_KEY: _openrouter, DATABASE_URL: _database, QUIRE_GIT_TOKEN: _token, ...base } = process.env;
    env = { ...base, LOG_LEVEL: "silent", QUIRE_DATA_DIR: path.join(work, "data"), QUIRE_DOCS_DIR: path.join(work, "no-docs"), QUIRE_SOURCES_FILE: path.join(work, "none.yaml") };
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("adds a git repository as a source, lists it in status, and re-syncs it by name with nothing to do", { timeout: 120_000 }, async () => {
    const added = await quire("ingest", "--git", repo.bare, "--path", "docs", "--name", "relay");
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toContain("Ingesting source relay into PGlite at");
    const commit = repo.git(repo.work, "rev-parse", "HEAD");
    expect(added.stdout).toMatch(new RegExp(`^relay @ ${commit.slice(0, 12)}: Done in [\\d.]+ m?s: 2 added, 0 updated, 0 removed, 0 unchanged `, "m"));

    const status = await quire("status");
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`^  relay \\(git\\) ${repo.bare.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}.*: 2 documents, synced \\d+ s ago at ${commit.slice(0, 12)}$`, "m"));
    const json = JSON.parse((await quire("status", "--json")).stdout) as { sources: { name: string; documents: number; revision: string }[] };
    expect(json.sources).toEqual([expect.objectContaining({ name: "relay", documents: 2, revision: commit })]);

    const again = await quire("ingest", "--source", "relay");
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^relay @ [0-9a-f]{12}: Done in .*: 0 added, 0 updated, 0 removed, 2 unchanged/m);

    const search = await quire("search", "which port", "--json");
    expect((JSON.parse(search.stdout) as { path: string }[])[0]?.path).toBe("relay/ports.md");
  });

  it("re-syncs the added sources with a plain `quire ingest`, reporting a docs folder that is missing", { timeout: 120_000 }, async () => {
    writeFileSync(path.join(work, "none.yaml"), "sources:\n  - name: Bad Name\n    folder: ./x\n");
    const bad = await quire("ingest");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/none\.yaml:2: sources\.0\.name: use 1-63 lower-case letters/);
    rmSync(path.join(work, "none.yaml"));
    const plain = await quire("ingest");
    expect(plain.stderr).toMatch(/the docs folder .*no-docs does not exist/);
  });

  it("refuses flags that don't go together and unknown sources, with a clear message", { timeout: 120_000 }, async () => {
    const ref = await quire("ingest", "--ref", "main");
    expect(ref.code).toBe(2);
    expect(ref.stderr).toMatch(/--ref, --path and --token-env go with --git/);
    const two = await quire("ingest", "--git", repo.bare, "--sitemap", "https://example.com/sitemap.xml");
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/give one of a folder, --git, --sitemap, --site or --source/);
    const unknown = await quire("ingest", "--source", "nope");
    expect(unknown.code, unknown.stderr).toBe(1);
    expect(unknown.stderr).toMatch(/there is no source named nope \(known: relay\)/);
    const secret = await quire("ingest", "--git", "https://example.com/r.git", "--token-env", "SESSION_SECRET");
    expect(secret.code).toBe(2);
    expect(secret.stderr).toMatch(/--token-env must name a QUIRE_GIT_TOKEN… variable/);
    const credentials = await quire("ingest", "--sitemap", "https://user:pass@example.com/sitemap.xml");
    expect(credentials.code).toBe(2);
    expect(credentials.stderr).toMatch(/sitemap: must not contain a user name or password/);
    expect(credentials.stderr).not.toContain("pass@");
    const unreachable = await quire("ingest", "--git", path.join(work, "missing.git"), "--name", "gone");
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/gone: could not sync .*missing\.git.*: could not fetch .*Its documents in the index are unchanged\./);
  });

  it("with a sources file, refuses to add a source or a folder beside it", { timeout: 120_000 }, async () => {
    writeFileSync(path.join(work, "none.yaml"), `sources:\n  - name: relay\n    git: ${repo.bare}\n    path: docs\n`);
    try {
      const adHoc = await quire("ingest", "--git", repo.bare, "--name", "other");
      expect(adHoc.code).toBe(2);
      expect(adHoc.stderr).toMatch(/none\.yaml declares the sources: add this one there/);
      expect((await quire("ingest", path.join(work, "git"))).code).toBe(2);
      const declared = await quire("ingest", "--source", "relay");
      expect(declared.code, declared.stderr).toBe(0);
    } finally {
      rmSync(path.join(work, "none.yaml"));
    }
  });
});
