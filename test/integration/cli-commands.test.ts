import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const launcher = path.join(repoRoot, "cli/quire.mjs");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  milliseconds: number;
}

/** Runs `quire` from a directory outside the repo, with no provider keys in its environment. */
function runQuire(args: string[], environment: Record<string, string>, cwd: string): Promise<Run> {
  const { CHUTES_API_KEY: _chutes, OPENROUTER_API_KEY: _openrouter, DATABASE_URL: _database, ...base } = process.env;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [launcher, ...args], { cwd, env: { ...base, LOG_LEVEL: "silent", ...environment } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (data: Buffer) => (stdout += data.toString()));
    child.stderr.on("data", (data: Buffer) => (stderr += data.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr, milliseconds: Date.now() - started }));
  });
}

describe("quire CLI", () => {
  let work: string;
  let environment: Record<string, string>;
  const quire = (...args: string[]) => runQuire(args, environment, work);

  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), "quire-cli-"));
    const docs = path.join(work, "docs");
    mkdirSync(path.join(docs, "guide"), { recursive: true });
    writeFileSync(path.join(docs, "guide/install.md"), "---\ntitle: Install\n---\n# Install\n\n## Linux\n\nRun the installer with systemd on Linux.\n");
    writeFileSync(path.join(docs, "faq.mdx"), "import X from './x';\n\n# FAQ\n\n<X />\n\nQuire answers questions about your documentation.\n");
    writeFileSync(path.join(docs, "notes.txt"), "Backups run nightly.");
    environment = { QUIRE_DATA_DIR: path.join(work, "data"), QUIRE_DOCS_DIR: docs, QUIRE_DOCS_BASE_URL: "https://docs.example.com" };
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("ingests without a key, then re-ingests an unchanged folder with no embedding calls", async () => {
    const first = await quire("ingest");
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/3 added, 0 updated, 0 removed, 0 unchanged/);
    expect(first.stderr).toMatch(/Files 3\/3/);
    expect(first.stderr).toMatch(/no operator key/);
    const second = await quire("ingest");
    expect(second.stdout).toMatch(/0 added, 0 updated, 0 removed, 3 unchanged \(0 chunks written; no embedding calls\)/);
  });

  it("reports status: documents, chunks, embedded share, model, last ingest and the full-text fallback", async () => {
    const status = await quire("status");
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/Documents\s+3/);
    expect(status.stdout).toMatch(/Embedded\s+0 \/ 3 \(0%\)/);
    expect(status.stdout).toMatch(/Model\s+none/);
    expect(status.stdout).toMatch(/Last ingest\s+\d{4}-\d\d-\d\dT/);
    expect(status.stdout).toMatch(/Retrieval\s+full text only/);
  });

  it("prints search results as the stable JSON shape, with paths relative to the docs folder", async () => {
    const search = await quire("search", "how do I install on linux", "--k", "2", "--json");
    expect(search.code, search.stderr).toBe(0);
    const hits = JSON.parse(search.stdout) as Record<string, unknown>[];
    expect(hits.length).toBeGreaterThan(0);
    // The shape only ever gains fields (`explain` came with the BM25F ranking).
    expect(Object.keys(hits[0]!).sort()).toEqual(["explain", "heading", "path", "score", "snippet", "url"]);
    expect(hits[0]!.explain).toMatchObject({ textRank: 1, matchedTerms: [{ term: "instal", surface: "install" }, { term: "linux", surface: "linux" }] });
    // The short H1 and H2 sections are merged; the chunk is filed under the first one.
    expect(hits[0]).toMatchObject({ path: "guide/install.md", heading: "Install", url: "https://docs.example.com/guide/install#install" });
    expect(typeof hits[0]!.score).toBe("number");
    const usage = await quire("search", "x", "--k", "zero");
    expect(usage.code).toBe(2);
  });

  it("explains a search: ranks, scores, matched terms and corrected typos", async () => {
    const search = await quire("search", "instlal on linux", "--explain");
    expect(search.code, search.stderr).toBe(0);
    expect(search.stdout).toContain("Corrected (*): instlal → instal");
    expect(search.stdout).toMatch(/full text #1 \([\d.]+\)  vector -  fused [\d.]+  terms: .*linux/);
  });

  describe("quire eval", () => {
    const gold = (name: string, text: string) => {
      const file = path.join(work, name);
      writeFileSync(file, text);
      return file;
    };

    it("scores gold questions from YAML (paths and URLs with anchors) and passes its bars", async () => {
      const file = gold(
        "gold.yaml",
        [
          "questions:",
          "  - question: How do I install on Linux?",
          "    expect: guide/install.md",
          "    kind: natural",
          "  - question: When do backups run?",
          "    expect: [notes.txt, faq.mdx]",
          "    kind: keyword",
          "  - question: What does Quire answer questions about?",
          "    expect: https://docs.example.com/faq#faq",
          "offTopic:",
          "  - What is the best sourdough recipe?",
        ].join("\n"),
      );
      const run = await quire("eval", file, "--min-hit5", "1", "--min-mrr", "0.9");
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/questions\s+3/);
      expect(run.stdout).toMatch(/hit@5\s+1\.000/);
      expect(run.stdout).toMatch(/weak on off-topic \(1\)\s+1\.000/);
      const json = await quire("eval", file, "--json");
      expect(json.code, json.stderr).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({ mode: "full text", questions: 3, hitAt5: 1, passed: true, hitAt5ByKind: { natural: { questions: 1, hitAt5: 1 } } });
    });

    it("exits 1 below --min-hit5 or --min-mrr, naming the figure, and warns about expected paths that are not indexed", async () => {
      const file = gold(
        "gold.json",
        JSON.stringify({
          questions: [
            { question: "How do I install on Linux?", expect: "guide/install.md" },
            { question: "When do backups run?", expect: "guide/missing.md" },
          ],
        }),
      );
      const run = await quire("eval", file, "--min-hit5", "0.8");
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("hit@5 0.500 is below --min-hit5 0.8");
      expect(run.stderr).toContain('"guide/missing.md" is expected but no indexed document has that path');
      expect(run.stdout).toMatch(/Not in the top 5 \(1\)/);
      const mrr = await quire("eval", file, "--min-mrr", "0.9", "--json");
      expect(mrr.code).toBe(1);
      expect(JSON.parse(mrr.stdout)).toMatchObject({ passed: false, failures: ["MRR 0.500 is below --min-mrr 0.9"] });
      expect((await quire("eval", file, "--min-hit5", "0.5")).code).toBe(0);
    });

    it("exits 2 on usage errors: no file, an unreadable or malformed file, a bad bar", async () => {
      expect((await quire("eval")).code).toBe(2);
      const missing = await quire("eval", path.join(work, "nope.yaml"));
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("ENOENT");
      const malformed = await quire("eval", gold("bad.json", '{"questions": [{"question": "x"}]}'));
      expect(malformed.code).toBe(2);
      expect(malformed.stderr).toMatch(/bad\.json: questions\.0\.expect/);
      const bar = await quire("eval", gold("ok.json", '{"questions": [{"question": "x", "expect": "notes.txt"}]}'), "--min-hit5", "80");
      expect(bar.code).toBe(2);
      expect(bar.stderr).toContain("--min-hit5 must be a number from 0 to 1");
    });
  });

  it("fails at once, naming the server, while a server owns the data dir, and leaves the index intact", async () => {
    const holderScript = path.join(work, "holder.mts");
    writeFileSync(
      holderScript,
      `import { openStore } from ${JSON.stringify(path.join(repoRoot, "src/server/rag/store/index.ts"))};
const store = await openStore({ purpose: "server" });
process.stdout.write("ready\\n");
process.stdin.once("data", async () => {
  const status = await store.status();
  await store.close();
  process.stdout.write(JSON.stringify(status) + "\\n");
  process.exit(0);
});`,
    );
    const holder = spawn(process.execPath, ["--import", path.join(repoRoot, "bench/lib/register.mjs"), holderScript], {
      cwd: repoRoot,
      env: { ...process.env, ...environment, LOG_LEVEL: "silent" },
    });
    let output = "";
    holder.stdout.on("data", (data: Buffer) => (output += data.toString()));
    await new Promise<void>((resolve, reject) => {
      holder.on("exit", (code) => reject(new Error(`holder exited early (${code})`)));
      const wait = setInterval(() => output.includes("ready") && (clearInterval(wait), resolve()), 50);
    });
    holder.removeAllListeners("exit");

    const blocked = await quire("ingest");
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain(`The Quire server (pid ${holder.pid}) owns ${path.join(work, "data")}; stop it`);
    expect(blocked.milliseconds).toBeLessThan(10_000);
    expect((await quire("status")).code).toBe(1);

    const exited = new Promise((resolve) => holder.on("exit", resolve));
    holder.stdin.write("status\n");
    await exited;
    expect(JSON.parse(output.split("\n")[1]!)).toMatchObject({ documents: 3, chunks: 3 });
    const after = await quire("ingest");
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toMatch(/3 unchanged/);
  });
});
