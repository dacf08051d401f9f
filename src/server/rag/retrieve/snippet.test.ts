import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fastestMs, fastestPairMs } from "@/test/support/cpu-time";
import { collapseMarks, makeSnippet, stripDelimiterRows, stripQuoteMarks, unwrapLinks } from "@/src/server/rag/retrieve/snippet";

/*
 * The previous implementation, kept verbatim as the oracle the new one must equal.
 * Super-linear: it is only ever run on short inputs here.
 */
const oldSteps = {
  quoteMarks: (text: string) => text.replace(/^\s*>\s?/gm, ""),
  delimiterRows: (text: string) => text.replace(/^\s*\|?[\s:|-]*-{3,}[\s:|-]*$/gm, ""),
  links: (text: string) => text.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1"),
  marks: (text: string, limit: number) => text.replace(/\*\*|__|[*`|]/g, " ").replace(/\s+/g, " ").trim().slice(0, limit),
};
function oldMakeSnippet(text: string): string {
  const plain = text
    .replace(/^ {0,3}#{1,6}[ \t][^\n]*\n+/, "")
    .replace(/```[^\n]*\n?/g, "")
    .replace(/^\s*>\s?/gm, "")
    .replace(/^\s*\|?[\s:|-]*-{3,}[\s:|-]*$/gm, "")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\*\*|__|[*`|]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  if (plain.length <= 280) return plain;
  const cut = plain.slice(0, 280);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(" "), 140))}…`;
}

/** The characters every step reacts to, every kind of line end and some `\s` beyond ASCII. */
const markdownish = fc.constantFrom(
  "-", "-", "-", " ", " ", "\n", "\n", "\r", "\t", "\u2028", "\u00a0", "\ufeff",
  "|", ":", ">", "#", "`", "*", "_", "[", "]", "(", ")", "x", "y",
);
const fragments = fc.constantFrom(
  "---", "|---|", "| a |", "> ", "```", "```ts\n", "[a](b)", "[", "](", ")", "**", "__", "## H\n", "\n\n", "word ", "   ",
);
const markdownText = fc.oneof(
  fc.string({ unit: markdownish, maxLength: 40 }),
  fc.array(fc.oneof(fragments, markdownish), { maxLength: 30 }).map((parts) => parts.join("")),
);




/** A repeatable pseudo-random string over `alphabet` (a fixed LCG, so a failure reproduces). */
function noise(alphabet: string, length: number, seed = 1): string {
  let state = seed;
  let text = "";
  for (let index = 0; index < length; index++) {
    state = (state * 1_103_515_245 + 12_345) >>> 0;
    text += alphabet[(state >>> 16) % alphabet.length];
  }
  return text;
}

/** Inputs that made the old regexes backtrack, each built at a given size. */
const adversarial: Record<string, (size: number) => string> = {
  "dashes then a letter": (size) => `${"-".repeat(size)}x`,
  "dashes alone": (size) => "-".repeat(size),
  "blank lines": (size) => `${"\n".repeat(size)}x`,
  "blank lines then dashes": (size) => `${"\n".repeat(size)}-- x`,
  "spaces": (size) => `${" ".repeat(size)}x`,
  "spaced dashes": (size) => `${"- ".repeat(size / 2)}x`,
  "table delimiters": (size) => `${"|-:".repeat(size / 3)}x`,
  "hashes": (size) => "#".repeat(size),
  "stars": (size) => "*".repeat(size),
  "open brackets": (size) => "[".repeat(size),
  "unclosed links": (size) => "[x](".repeat(size / 4),
  "backticks": (size) => "`".repeat(size),
  "quote marks": (size) => " \n>".repeat(size / 3),
  "mixed punctuation": (size) => noise("-:| \n\t>[]()*`#_", size),
  "mixed delimiter characters": (size) => noise("-:| \n", size, 7),
};

describe("makeSnippet: behaviour (as before)", () => {
  it("makes a plain snippet without the heading line", () => {
    expect(makeSnippet("## Install\n\nRun **the** `quire_ingest` [script](https://x).")).toBe("Run the quire_ingest script.");
    expect(makeSnippet("| a | b |\n|---|---|\n| QUIRE_DATA_DIR | x |")).toBe("a b QUIRE_DATA_DIR x");
    expect(makeSnippet(`word `.repeat(200)).length).toBeLessThanOrEqual(281);
  });

  it("drops quote marks, thematic breaks and fence lines, keeps underscores, and cuts at a word", () => {
    expect(makeSnippet("> Note:\n> keep QUIRE_DATA_DIR safe")).toBe("Note: keep QUIRE_DATA_DIR safe");
    expect(makeSnippet("Before\n\n---\n\nAfter")).toBe("Before After");
    expect(makeSnippet("Run:\n```sh\nquire ingest\n```\nDone.")).toBe("Run: quire ingest Done.");
    expect(makeSnippet("####### not a heading")).toBe("####### not a heading");
    const long = makeSnippet(`${"alpha ".repeat(60)}`);
    expect(long.endsWith("alpha…")).toBe(true);
    expect(long.length).toBeLessThanOrEqual(281);
  });

  it("equals the old regexes step by step and as a whole, on random Markdown-ish text", () => {
    fc.assert(
      fc.property(markdownText, fc.integer({ min: 0, max: 45 }), (text, limit) => {
        expect(stripQuoteMarks(text)).toBe(oldSteps.quoteMarks(text));
        expect(stripDelimiterRows(text)).toBe(oldSteps.delimiterRows(text));
        expect(unwrapLinks(text)).toBe(oldSteps.links(text));
        expect(collapseMarks(text, limit)).toBe(oldSteps.marks(text, limit));
        expect(makeSnippet(text)).toBe(oldMakeSnippet(text));
      }),
      { numRuns: 10_000 },
    );
    // The oracle is the slow old code: ~2 s alone, more on a busy machine.
  }, 30_000);

  it("equals the old implementation on long ordinary text (the cut at 280)", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fragments, fc.constantFrom("word ", "QUIRE_DATA_DIR ", "x")), { minLength: 50, maxLength: 200 }), (parts) => {
        const text = parts.join("");
        expect(makeSnippet(text)).toBe(oldMakeSnippet(text));
      }),
      { numRuns: 500 },
    );
  });
});

describe("makeSnippet: linear time on adversarial input", () => {
  // The old code took 0.9 s on 800 dashes and a letter, and 714 s (cubic) on 10,000 blank lines.
  it.each(Object.entries(adversarial))("%s: 40,000 characters in milliseconds", (_name, make) => {
    const text = make(40_000);
    expect(fastestMs(() => makeSnippet(text), 3)).toBeLessThan(50);
  });

  it.each([
    ["10,000 dashes", "-".repeat(10_000)],
    ["10,000 dashes and a letter", `${"-".repeat(10_000)}x`],
    ["40,000 spaces", " ".repeat(40_000)],
    ["10,000 #", "#".repeat(10_000)],
    ["10,000 *", "*".repeat(10_000)],
    ["10,000 [", "[".repeat(10_000)],
    ["10,000 backticks", "`".repeat(10_000)],
  ])("%s in milliseconds", (_name, text) => {
    expect(fastestMs(() => makeSnippet(text), 3)).toBeLessThan(50);
  });

  it("a 1 MB chunk, ordinary or hostile, in well under a second", () => {
    const ordinary = "## Setup\n\n> Run `quire ingest` on the [docs](https://docs.example/x).\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n".repeat(11_000);
    const hostile = noise("-:| \n\t>[]()*`#_x", 1_000_000, 3);
    expect(ordinary.length).toBeGreaterThan(1_000_000);
    expect(fastestMs(() => makeSnippet(ordinary), 2)).toBeLessThan(250);
    expect(fastestMs(() => makeSnippet(hostile), 2)).toBeLessThan(250);
  });

  // Absolute limits depend on the machine; growth does not. Four times the input must take
  // at most about four times as long (linear); quadratic would be 16 times, cubic 64.
  // The bound is 8 times plus 2 ms, so a noisy machine does not fail a linear scan.
  it.each(Object.entries(adversarial))("%s: 4x the input takes at most ~4x the time", (_name, make) => {
    // Large enough that each run takes milliseconds, so one GC pause is not the whole measurement.
    const small = make(200_000);
    const large = make(800_000);
    const [smallMs, largeMs] = fastestPairMs(() => makeSnippet(small), () => makeSnippet(large));
    if (process.env.QUIRE_PRINT_TIMINGS) console.log(`${_name}: ${smallMs.toFixed(2)} ms → ${largeMs.toFixed(2)} ms`);
    expect(largeMs).toBeLessThan(8 * smallMs + 2);
  });
});

describe("isRegexSpace (through stripQuoteMarks)", () => {
  it("treats exactly the code units /\\s/ matches as whitespace", () => {
    // A quote mark after one code unit is stripped iff that unit is `\s`: all 65,536 are compared with the regex.
    for (let code = 0; code <= 0xffff; code++) {
      const text = `${String.fromCharCode(code)}>x`;
      expect(stripQuoteMarks(text), `U+${code.toString(16)}`).toBe(oldSteps.quoteMarks(text));
    }
  }, 30_000);
});
