import { describe, expect, it } from "vitest";
import {
  analyze,
  analyzeChunk,
  analyzeQuery,
  isStopWord,
  MAX_QUERY_TERMS,
  normalizeWord,
  PART_WEIGHT,
  splitHeadingLines,
} from "@/src/server/rag/lexical/analyze";

/** The index terms of a text, in order, with repeats. */
const terms = (text: string) => analyze(text).map((token) => token.term);
/** The terms marked as parts of a compound identifier. */
const parts = (text: string) => analyze(text).filter((token) => token.part).map((token) => token.term);

describe("words", () => {
  it("are lower-cased and Porter-stemmed, keeping the word as written as the surface", () => {
    expect(analyze("Installing QUIRE")).toEqual([
      { term: "instal", surface: "installing", part: false },
      { term: "quir", surface: "quire", part: false },
    ]);
    expect(terms("running runs install installing")).toEqual(["run", "run", "instal", "instal"]);
  });

  it("are NFKC-normalised first (full-width letters, ligatures, roman numerals, half-width kana)", () => {
    expect(terms("ｆｕｌｌｗｉｄｔｈ ﬁle Ⅻ ﾃｽﾄ")).toEqual(["fullwidth", "file", "xii", "テスト"]);
  });

  it("drop stop words, including contraction leftovers", () => {
    expect(terms("What is the best way to do it?")).toEqual(["best", "wai"]);
    expect(terms("don't we'll you've")).toEqual(["don"]);
    expect(isStopWord("the")).toBe(true);
    expect(isStopWord("quire")).toBe(false);
  });

  it("keep a lone digit but drop a lone letter", () => {
    expect(terms("step 2 of plan b")).toEqual(["step", "2", "plan"]);
  });

  it("are stemmed only when they are ASCII letters longer than two characters", () => {
    expect(normalizeWord("Installing")).toBe("instal");
    expect(normalizeWord("os")).toBe("os");
    expect(normalizeWord("v2")).toBe("v2");
    expect(normalizeWord("cafés")).toBe("cafés");
    expect(terms("Über café")).toEqual(["über", "café"]);
  });

  it("is nothing for an empty text or one of stop words only", () => {
    expect(analyze("")).toEqual([]);
    expect(analyze("the a is of it")).toEqual([]);
  });
});

describe("identifiers", () => {
  it("match whole and in parts for camelCase", () => {
    expect(analyze("dataWorkerCount")).toEqual([
      { term: "dataworkercount", surface: "dataworkercount", part: false },
      { term: "data", surface: "data", part: true },
      { term: "worker", surface: "worker", part: true },
      { term: "count", surface: "count", part: true },
    ]);
  });

  it("split PascalCase and acronyms before the next capitalised word", () => {
    expect(terms("HTTPServer")).toEqual(["httpserver", "http", "server"]);
    // The parts are stemmed like words ("parse" → "pars"), the whole is not.
    expect(analyze("parseJSONFile")).toEqual([
      { term: "parsejsonfile", surface: "parsejsonfile", part: false },
      { term: "pars", surface: "parse", part: true },
      { term: "json", surface: "json", part: true },
      { term: "file", surface: "file", part: true },
    ]);
  });

  it("split snake_case, dotted names and hyphenated names, dropping one-character parts", () => {
    expect(terms("max_worker_count")).toEqual(["max_worker_count", "max", "worker", "count"]);
    expect(terms("config.yml")).toEqual(["config.yml", "config", "yml"]);
    expect(terms("q-world-1")).toEqual(["q-world-1", "world"]);
    expect(parts("q-world-1")).toEqual(["world"]);
  });

  it("drop stop words among the parts but keep them in the whole", () => {
    expect(terms("the-data")).toEqual(["the-data", "data"]);
    expect(terms("iOS")).toEqual(["ios", "os"]);
  });

  it("treat a path as one term plus its segments, without the leading slash", () => {
    expect(analyze("/usr/local/bin")).toEqual([
      { term: "usr/local/bin", surface: "usr/local/bin", part: false },
      { term: "usr", surface: "usr", part: true },
      { term: "local", surface: "local", part: true },
      { term: "bin", surface: "bin", part: true },
    ]);
  });

  it("keep a version whole; its one-digit parts are dropped", () => {
    expect(analyze("2.1.0")).toEqual([{ term: "2.1.0", surface: "2.1.0", part: false }]);
    expect(terms("v2.1.0")).toEqual(["v2.1.0", "v2"]);
  });

  it("are found inside a sentence and mixed with words", () => {
    expect(terms("Set dataWorkerCount in config.yml")).toEqual(["set", "dataworkercount", "data", "worker", "count", "config.yml", "config", "yml"]);
  });
});

describe("flags", () => {
  it("give the flag itself and the word", () => {
    expect(analyze("--core")).toEqual([
      { term: "--core", surface: "--core", part: false },
      { term: "core", surface: "core", part: false },
    ]);
    expect(terms("-v")).toEqual(["-v"]);
  });

  it("are recognised after a space, a bracket, a quote, a backtick or '='", () => {
    for (const text of ["run --core", "(--core)", '"--core"', "`--core`", "x=--core", "[--core]"]) {
      expect(terms(text), text).toContain("--core");
    }
  });

  it("are not a hyphen inside a word", () => {
    expect(terms("re-use")).toEqual(["re-use", "us"]);
    expect(terms("re-use")).not.toContain("-use");
    expect(terms("foo--core")).toEqual(["foo", "core"]);
  });

  it("need a letter: a negative number is just the number", () => {
    expect(terms("-2")).toEqual(["2"]);
  });

  it("with parts give the whole, the flag and the parts", () => {
    expect(analyze("use --data-dir now")).toEqual([
      { term: "us", surface: "use", part: false },
      { term: "data-dir", surface: "data-dir", part: false },
      { term: "--data-dir", surface: "--data-dir", part: false },
      { term: "data", surface: "data", part: true },
      { term: "dir", surface: "dir", part: true },
    ]);
  });

  // Bug: the single-word branch requires a word boundary before the dashes ("foo--core" gives no "--core"),
  // the compound branch does not, so a double hyphen used as a dash in prose invents a flag.
  it("with parts are not a flag either when the dashes follow a word (prose 'cache--read-only')", () => {
    expect(terms("the cache--read-only by default")).not.toContain("--read-only");
  });
});

describe("scripts with combining marks", () => {
  // Bug: TOKEN matches \p{L}\p{N} only, so Devanagari vowel signs and viramas (\p{M}) split words into
  // single letters, which are then dropped: "हिन्दी दस्तावेज़" ("Hindi document") gives only "दस".
  it("keep a Devanagari word whole", () => {
    expect(terms("हिन्दी")).toEqual(["हिन्दी"]);
  });
});

describe("a chunk's field frequencies", () => {
  it("count the title, the heading path without the repeated title, and the body", () => {
    const chunk = analyzeChunk({ title: "Install Guide", heading: "Install Guide > Linux > Tarball", text: "Install the tarball, then install it twice." });
    expect(Object.fromEntries(chunk.terms)).toEqual({
      instal: { title: 1, heading: 0, body: 2 },
      guid: { title: 1, heading: 0, body: 0 },
      linux: { title: 0, heading: 1, body: 0 },
      tarbal: { title: 0, heading: 1, body: 1 },
      twice: { title: 0, heading: 0, body: 1 },
    });
    expect(chunk.bodyLength).toBe(4);
  });

  it("drop the title from the heading path regardless of case and surrounding spaces", () => {
    const chunk = analyzeChunk({ title: " Install ", heading: "install > Linux", text: "Linux linux" });
    expect(chunk.terms.get("instal")).toEqual({ title: 1, heading: 0, body: 0 });
    expect(chunk.terms.get("linux")).toEqual({ title: 0, heading: 1, body: 2 });
  });

  it("keep the heading path whole when its first element is not the title", () => {
    const chunk = analyzeChunk({ title: "Guide", heading: "Setup > Linux", text: "" });
    expect(chunk.terms.get("setup")).toEqual({ title: 0, heading: 1, body: 0 });
    expect(chunk.terms.get("linux")).toEqual({ title: 0, heading: 1, body: 0 });
  });

  it("count Markdown headings inside the text as heading, not body, but '#' lines in code fences as body", () => {
    const chunk = analyzeChunk({
      title: "Guide",
      heading: "Guide",
      text: ["## Windows", "Run the installer.", "```sh", "# install comment", "```", "Done"].join("\n"),
    });
    expect(Object.fromEntries(chunk.terms)).toEqual({
      guid: { title: 1, heading: 0, body: 0 },
      window: { title: 0, heading: 1, body: 0 },
      run: { title: 0, heading: 0, body: 1 },
      instal: { title: 0, heading: 0, body: 2 },
      comment: { title: 0, heading: 0, body: 1 },
      sh: { title: 0, heading: 0, body: 1 },
      done: { title: 0, heading: 0, body: 1 },
    });
    expect(chunk.bodyLength).toBe(6);
  });

  it("has a body length of the body terms with repeats, identifier parts included", () => {
    expect(analyzeChunk({ title: "T", heading: "", text: "dataWorkerCount dataWorkerCount" }).bodyLength).toBe(8);
    expect(analyzeChunk({ title: "Guide", heading: "Guide", text: "" }).bodyLength).toBe(0);
  });

  it("map each term to the word as first written", () => {
    const chunk = analyzeChunk({ title: "Installing", heading: "", text: "install installs dataWorkerCount" });
    expect(Object.fromEntries(chunk.surfaces)).toEqual({
      instal: "installing",
      dataworkercount: "dataworkercount",
      data: "data",
      worker: "worker",
      count: "count",
    });
  });
});

describe("heading lines of a chunk's text", () => {
  it("are ATX headings of one to six '#' with up to three spaces of indent, closing '#'s removed", () => {
    const text = ["# Title #", "   ### Three ##", "    #### indented code", "#nospace", "####### seven", "###### Six"].join("\n");
    expect(splitHeadingLines(text)).toEqual({
      headings: ["Title", "Three", "Six"],
      body: ["    #### indented code", "#nospace", "####### seven"].join("\n"),
    });
  });

  it("are not looked for inside backtick or tilde fences; a fence closes only with its own character", () => {
    const text = ["~~~", "# in tilde", "```", "# still in tilde", "~~~", "# out"].join("\n");
    expect(splitHeadingLines(text)).toEqual({ headings: ["out"], body: ["~~~", "# in tilde", "```", "# still in tilde", "~~~"].join("\n") });
  });

  it("leave a text without headings unchanged", () => {
    expect(splitHeadingLines("one\ntwo")).toEqual({ headings: [], body: "one\ntwo" });
  });

  // Bug: the opening fence is remembered as its first three characters, so a "````" fence (used to show
  // Markdown that itself contains a ``` block) is closed by the inner "```sh", and the shell comment
  // inside the example counts as a heading. CommonMark: the closing fence must be at least as long.
  it("stay body inside a four-backtick fence that contains a three-backtick block", () => {
    const text = ["````md", "```sh", "# install the CLI", "npm i -g quire", "```", "````"].join("\n");
    expect(splitHeadingLines(text).headings).toEqual([]);
  });
});

describe("a question's terms", () => {
  it("are distinct, in order of first appearance, with the first surface", () => {
    expect(analyzeQuery("Installing install INSTALL quire")).toEqual([
      { term: "instal", surface: "installing", weight: 1 },
      { term: "quir", surface: "quire", weight: 1 },
    ]);
  });

  it("weigh an identifier's parts PART_WEIGHT and the whole 1", () => {
    expect(PART_WEIGHT).toBe(0.5);
    expect(analyzeQuery("dataWorkerCount")).toEqual([
      { term: "dataworkercount", surface: "dataworkercount", weight: 1 },
      { term: "data", surface: "data", weight: PART_WEIGHT },
      { term: "worker", surface: "worker", weight: PART_WEIGHT },
      { term: "count", surface: "count", weight: PART_WEIGHT },
    ]);
  });

  it("keep weight 1 for a part that is also typed as a word, before or after", () => {
    expect(analyzeQuery("dataWorker worker")).toEqual([
      { term: "dataworker", surface: "dataworker", weight: 1 },
      { term: "data", surface: "data", weight: PART_WEIGHT },
      { term: "worker", surface: "worker", weight: 1 },
    ]);
    expect(analyzeQuery("worker dataWorker")).toEqual([
      { term: "worker", surface: "worker", weight: 1 },
      { term: "dataworker", surface: "dataworker", weight: 1 },
      { term: "data", surface: "data", weight: PART_WEIGHT },
    ]);
  });

  it(`are capped at the first MAX_QUERY_TERMS (${MAX_QUERY_TERMS}) distinct terms, counted after dedup`, () => {
    const words = Array.from({ length: MAX_QUERY_TERMS + 8 }, (_, index) => `w${index}`);
    const repeated = words.flatMap((word) => [word, word]).join(" ");
    const query = analyzeQuery(repeated);
    expect(query).toHaveLength(MAX_QUERY_TERMS);
    expect(query.map((term) => term.term)).toEqual(words.slice(0, MAX_QUERY_TERMS));
  });

  it("are nothing for a question of stop words", () => {
    expect(analyzeQuery("What is it?")).toEqual([]);
  });
});
