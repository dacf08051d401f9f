import { describe, expect, it } from "vitest";
import { firstRelevantRank, GoldSetError, matchesExpectation, parseGoldSet, selectSplit } from "@/src/server/rag/eval/gold-set";

const json = (value: unknown) => JSON.stringify(value);
const atPath = (path: string) => ({ path, url: null });
const atUrl = (url: string) => ({ path: "docs/page.md", url });

/** The message of the GoldSetError that parsing throws. */
function parseError(source: string, fileName: string): string {
  try {
    parseGoldSet(source, fileName);
  } catch (error) {
    expect(error).toBeInstanceOf(GoldSetError);
    expect((error as Error).name).toBe("GoldSetError");
    return (error as Error).message;
  }
  throw new Error("expected parseGoldSet to throw");
}

describe("parsing a gold set", () => {
  it("reads JSON, turning a single expectation into a list and defaulting offTopic and followUps", () => {
    expect(parseGoldSet(json({ name: "docs", questions: [{ question: "How do I install?", expect: "install.md" }] }), "gold.json")).toEqual({
      name: "docs",
      questions: [{ question: "How do I install?", expect: ["install.md"] }],
      offTopic: [],
      followUps: [],
    });
  });

  it("reads YAML for .yaml and .yml (any case), with every field of a question", () => {
    const yaml = [
      "questions:",
      "  - id: install-linux",
      "    question: '  How do I install on Linux?  '",
      "    expect: [install.md, https://docs.example.com/install#linux]",
      "    kind: natural",
      "    split: dev",
      "    evidence: unpack the tarball",
      "followUps:",
      "  - question: and on Windows?",
      "    previous: How do I install on Linux?",
      "    expect: install.md",
    ].join("\n");
    const expected = {
      questions: [
        {
          id: "install-linux",
          question: "How do I install on Linux?",
          expect: ["install.md", "https://docs.example.com/install#linux"],
          kind: "natural",
          split: "dev",
          evidence: "unpack the tarball",
        },
      ],
      offTopic: [],
      followUps: [{ question: "and on Windows?", previous: "How do I install on Linux?", expect: ["install.md"] }],
    };
    expect(parseGoldSet(yaml, "gold.yaml")).toEqual(expected);
    expect(parseGoldSet(yaml, "GOLD.YML")).toEqual(expected);
  });

  it("reads anything else as JSON, so YAML in a .txt file is invalid JSON", () => {
    expect(parseError("questions:\n  - question: q\n    expect: a.md\n", "gold.txt")).toMatch(/^gold\.txt is not valid JSON: /);
  });

  it("accepts off-topic questions as strings or objects", () => {
    const set = parseGoldSet(
      json({ questions: [{ question: "q", expect: "a.md" }], offTopic: ["Best sourdough recipe?", { id: "weather", question: "Weather tomorrow?", split: "test" }] }),
      "gold.json",
    );
    expect(set.offTopic).toEqual([{ question: "Best sourdough recipe?" }, { id: "weather", question: "Weather tomorrow?", split: "test" }]);
  });

  it("keeps unknown top-level keys", () => {
    expect(parseGoldSet(json({ questions: [{ question: "q", expect: "a.md" }], notes: "draft" }), "gold.json")).toMatchObject({ notes: "draft" });
  });

  it("names the file and the item path of the first problem", () => {
    const one = (item: Record<string, unknown>) => json({ questions: [{ question: "q", expect: "a.md" }, item] });
    expect(parseError(one({ question: "q" }), "gold.json")).toMatch(/^gold\.json: questions\.1\.expect: /);
    expect(parseError(one({ question: "q", expect: [] }), "gold.json")).toMatch(/^gold\.json: questions\.1\.expect: Too small/);
    expect(parseError(one({ question: "q", expect: "   " }), "gold.json")).toMatch(/^gold\.json: questions\.1\.expect: /);
    expect(parseError(one({ question: "q", expect: ["a.md", ""] }), "gold.json")).toMatch(/^gold\.json: questions\.1\.expect\.1: /);
    expect(parseError(one({ question: "", expect: "a.md" }), "gold.json")).toMatch(/^gold\.json: questions\.1\.question: /);
    expect(parseError(one({ question: "q", expect: "a.md", split: "train" }), "gold.json")).toMatch(/^gold\.json: questions\.1\.split: /);
    expect(parseError(json({ questions: [{ question: "q", expect: "a.md" }], offTopic: [{ id: "x" }] }), "gold.json")).toMatch(/^gold\.json: offTopic\.0: /);
    expect(parseError("questions:\n  - question: q\n", "gold.yaml")).toMatch(/^gold\.yaml: questions\.0\.expect: /);
  });

  it("needs at least one question", () => {
    expect(parseError(json({ questions: [] }), "gold.json")).toMatch(/^gold\.json: questions: Too small/);
    expect(parseError(json({}), "gold.json")).toMatch(/^gold\.json: questions: /);
  });

  it("says '(top level)' when the document is not an object", () => {
    expect(parseError(json([]), "gold.json")).toMatch(/^gold\.json: \(top level\): /);
    expect(parseError("", "gold.yaml")).toMatch(/^gold\.yaml: \(top level\): /);
  });

  it("reports invalid JSON and invalid YAML with the parser's message", () => {
    expect(parseError("{", "gold.json")).toMatch(/^gold\.json is not valid JSON: \S/);
    expect(parseError("questions: [", "gold.yml")).toMatch(/^gold\.yml is not valid YAML: \S/);
  });
});

describe("selecting a split", () => {
  const set = parseGoldSet(
    json({
      questions: [
        { id: "d", question: "q", expect: "a.md", split: "dev" },
        { id: "t", question: "q", expect: "a.md", split: "test" },
        { id: "both", question: "q", expect: "a.md" },
      ],
      offTopic: [{ question: "dev off", split: "dev" }, { question: "test off", split: "test" }, "both off"],
      followUps: [{ id: "fd", question: "q", expect: "a.md", split: "dev" }, { id: "fboth", question: "q", expect: "a.md" }],
    }),
    "gold.json",
  );

  it("keeps the items of that half and the items without a split, in every list", () => {
    const dev = selectSplit(set, "dev");
    expect(dev.questions.map((item) => item.id)).toEqual(["d", "both"]);
    expect(dev.offTopic.map((item) => item.question)).toEqual(["dev off", "both off"]);
    expect(dev.followUps.map((item) => item.id)).toEqual(["fd", "fboth"]);
    const test = selectSplit(set, "test");
    expect(test.questions.map((item) => item.id)).toEqual(["t", "both"]);
    expect(test.offTopic.map((item) => item.question)).toEqual(["test off", "both off"]);
    expect(test.followUps.map((item) => item.id)).toEqual(["fboth"]);
  });

  it("is the whole set without a split, and leaves the set it was given unchanged", () => {
    expect(selectSplit(set, undefined)).toBe(set);
    selectSplit(set, "dev");
    expect(set.questions).toHaveLength(3);
  });
});

describe("matching an expectation", () => {
  it("compares paths after removing leading './' and '/', and with '/' for '\\'", () => {
    expect(matchesExpectation(atPath("guide/install.md"), "guide/install.md")).toBe(true);
    expect(matchesExpectation(atPath("guide/install.md"), "./guide/install.md")).toBe(true);
    expect(matchesExpectation(atPath("guide/install.md"), "././guide/install.md")).toBe(true);
    expect(matchesExpectation(atPath("./guide/install.md"), "/guide/install.md")).toBe(true);
    expect(matchesExpectation(atPath("guide\\install.md"), "guide/install.md")).toBe(true);
  });

  it("needs the whole path: no suffix, no other folder, case-sensitive", () => {
    expect(matchesExpectation(atPath("guide/install.md"), "install.md")).toBe(false);
    expect(matchesExpectation(atPath("other/install.md"), "guide/install.md")).toBe(false);
    expect(matchesExpectation(atPath("Guide/Install.md"), "guide/install.md")).toBe(false);
  });

  it("compares a path expectation with the chunk's path, not its URL", () => {
    expect(matchesExpectation({ path: "install.md", url: "https://docs.example.com/guide" }, "guide")).toBe(false);
    expect(matchesExpectation({ path: "install.md", url: "https://docs.example.com/guide" }, "install.md")).toBe(true);
  });

  it("compares a URL ignoring a trailing slash on either side, and the host's case", () => {
    expect(matchesExpectation(atUrl("https://docs.example.com/guide/"), "https://docs.example.com/guide")).toBe(true);
    expect(matchesExpectation(atUrl("https://docs.example.com/guide"), "https://docs.example.com/guide/")).toBe(true);
    expect(matchesExpectation(atUrl("https://DOCS.example.com/guide"), "https://docs.example.com/guide")).toBe(true);
    expect(matchesExpectation(atUrl("https://docs.example.com/"), "https://docs.example.com")).toBe(true);
  });

  it("needs the same scheme, host, path and query", () => {
    expect(matchesExpectation(atUrl("http://docs.example.com/guide"), "https://docs.example.com/guide")).toBe(false);
    expect(matchesExpectation(atUrl("https://example.com/guide"), "https://docs.example.com/guide")).toBe(false);
    expect(matchesExpectation(atUrl("https://docs.example.com/guide/install"), "https://docs.example.com/guide")).toBe(false);
    expect(matchesExpectation(atUrl("https://docs.example.com/guide?v=2"), "https://docs.example.com/guide")).toBe(false);
    expect(matchesExpectation(atUrl("https://docs.example.com/guide?v=2"), "https://docs.example.com/guide?v=2")).toBe(true);
  });

  it("checks the anchor only when the expectation names one", () => {
    expect(matchesExpectation(atUrl("https://docs.example.com/guide#linux"), "https://docs.example.com/guide")).toBe(true);
    expect(matchesExpectation(atUrl("https://docs.example.com/guide#linux"), "https://docs.example.com/guide#linux")).toBe(true);
    expect(matchesExpectation(atUrl("https://docs.example.com/guide/#linux"), "https://docs.example.com/guide#linux")).toBe(true);
    expect(matchesExpectation(atUrl("https://docs.example.com/guide#windows"), "https://docs.example.com/guide#linux")).toBe(false);
    expect(matchesExpectation(atUrl("https://docs.example.com/guide"), "https://docs.example.com/guide#linux")).toBe(false);
  });

  it("compares anchors after percent-decoding them", () => {
    expect(matchesExpectation(atUrl("https://docs.example.com/guide#caf%C3%A9"), "https://docs.example.com/guide#café")).toBe(true);
    expect(matchesExpectation(atUrl("https://docs.example.com/guide#café"), "https://docs.example.com/guide#caf%C3%A9")).toBe(true);
    expect(matchesExpectation(atUrl("https://docs.example.com/guide#caf%c3%a9"), "https://docs.example.com/guide#caf%C3%A9")).toBe(true);
  });

  // Bug: a '%' that is not a valid escape ("#100%") makes decodeURIComponent throw a URIError
  // out of matchesExpectation (and so out of a whole `quire eval` run) instead of answering.
  it("answers false, not throws, for an anchor with a stray '%'", () => {
    expect(matchesExpectation(atUrl("https://docs.example.com/guide#x"), "https://docs.example.com/guide#100%")).toBe(false);
  });

  it("never matches a URL expectation on a chunk without a URL, or with one that is not http(s)", () => {
    expect(matchesExpectation({ path: "https://docs.example.com/guide", url: null }, "https://docs.example.com/guide")).toBe(false);
    expect(matchesExpectation(atUrl("ftp://docs.example.com/guide"), "https://docs.example.com/guide")).toBe(false);
    expect(matchesExpectation(atUrl("not a url"), "https://docs.example.com/guide")).toBe(false);
  });

  it("treats an expectation that is not http(s) as a path", () => {
    expect(matchesExpectation({ path: "docs/page.md", url: "ftp://host/page" }, "ftp://host/page")).toBe(false);
    expect(matchesExpectation({ path: "ftp://host/page", url: null }, "ftp://host/page")).toBe(true);
  });
});

describe("the first relevant rank", () => {
  const retrieved = [atPath("a.md"), atPath("b.md"), atUrl("https://docs.example.com/c#x"), atPath("b.md")];

  it("is the 1-based rank of the first chunk answering any expectation", () => {
    expect(firstRelevantRank(retrieved, ["a.md"])).toBe(1);
    expect(firstRelevantRank(retrieved, ["b.md"])).toBe(2);
    expect(firstRelevantRank(retrieved, ["https://docs.example.com/c", "b.md"])).toBe(2);
    expect(firstRelevantRank(retrieved, ["https://docs.example.com/c/"])).toBe(3);
  });

  it("is null when no chunk answers, or nothing was retrieved", () => {
    expect(firstRelevantRank(retrieved, ["z.md"])).toBeNull();
    expect(firstRelevantRank([], ["a.md"])).toBeNull();
  });
});
