import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cpuMs, fastestMs, fastestPairMs } from "@/test/support/cpu-time";
import { CITE_PREFIX, citedIndexes, linkCitations } from "@/src/client/citations";
import type { ChatSource } from "@/src/shared/sources";

const source = (index: number, title = `Doc ${index}`, heading = ""): ChatSource => ({
  id: `c${index}`,
  index,
  title,
  heading,
  url: null,
  href: `/sources/c${index}`,
  path: `doc-${index}.md`,
  snippet: "",
});

/* The previous implementation (src/client/answer-text.tsx), verbatim: the oracle. Quadratic, so short inputs only. */
function oldLinkCitations(text: string, sources: readonly ChatSource[]): string {
  const known = new Set(sources.map((entry) => entry.index));
  return text
    .split(/(```[\s\S]*?(?:```|$))/g)
    .map((segment) =>
      segment.startsWith("```")
        ? segment
        : segment.replace(/(\s*)\[(\d{1,3})\](?!\()/g, (_match, space: string, number: string) =>
            known.has(Number(number)) ? `${space}[${number}](${CITE_PREFIX}${number})` : "",
          ),
    )
    .join("");
}
function oldCitedIndexes(text: string, sources: readonly ChatSource[]): number[] {
  const known = new Set(sources.map((entry) => entry.index));
  const cited: number[] = [];
  for (const match of text.matchAll(/\[(\d{1,3})\]/g)) {
    const index = Number(match[1]);
    if (known.has(index) && !cited.includes(index)) cited.push(index);
  }
  return cited;
}




const sources = [source(1), source(2)];

describe("citations in answers (as before)", () => {
  it("links known markers and drops unknown ones with the space before them", () => {
    expect(linkCitations("Install it [1]. Then run it [2][9].", sources)).toBe(
      "Install it [1](#quire-cite-1). Then run it [2](#quire-cite-2).",
    );
    expect(linkCitations("Nothing backs this [7].", sources)).toBe("Nothing backs this.");
    expect(linkCitations("docs [9].", sources)).toBe("docs.");
  });

  it("leaves fenced code and existing links alone", () => {
    const text = "See [1].\n```ts\nconst list = items[1];\n```\nAnd [the guide](https://x.example) [2]";
    expect(linkCitations(text, sources)).toBe(
      "See [1](#quire-cite-1).\n```ts\nconst list = items[1];\n```\nAnd [the guide](https://x.example) [2](#quire-cite-2)",
    );
  });

  it("leaves an unclosed fence (a streaming answer) as written to the end", () => {
    expect(linkCitations("Run [1]:\n```sh\nx[1] [9]", sources)).toBe("Run [1](#quire-cite-1):\n```sh\nx[1] [9]");
    expect(linkCitations("a ``` b [1] ``` c [1]", sources)).toBe("a ``` b [1] ``` c [1](#quire-cite-1)");
    expect(linkCitations("```` [1]", sources)).toBe("```` [1]");
  });

  it("touches only 1 to 3 digits not followed by (", () => {
    expect(linkCitations("[1](https://x) [1234] [] [a] [1", sources)).toBe("[1](https://x) [1234] [] [a] [1");
    expect(linkCitations("[001] and\n\t[2]", sources)).toBe("[001](#quire-cite-001) and\n\t[2](#quire-cite-2)");
    expect(linkCitations("  [9]  [1]", sources)).toBe("  [1](#quire-cite-1)");
  });

  it("lists cited sources once, in order of first citation", () => {
    expect(citedIndexes("b [2] a [1] again [2] ghost [5]", sources)).toEqual([2, 1]);
    // As before, the whole text counts, code and `[n](` included.
    expect(citedIndexes("```\nitems[2]\n``` [1](x)", sources)).toEqual([2, 1]);
    expect(citedIndexes("[1234] [01]", sources)).toEqual([1]);
  });

  it("equals the old regexes on random text made of markers, fences, brackets and spaces", () => {
    const unit = fc.constantFrom(" ", " ", "\n", "\t", "\u00a0", "\u2028", "[", "]", "(", ")", "1", "2", "9", "0", "`", "x");
    const fragment = fc.constantFrom("[1]", "[2]", "[9]", "[12]", "[1234]", "[1](", "```", "```ts\n", "  ", "text ");
    const text = fc.oneof(
      fc.string({ unit, maxLength: 40 }),
      fc.array(fc.oneof(fragment, unit), { maxLength: 25 }).map((parts) => parts.join("")),
    );
    const known = fc.subarray([1, 2, 9, 12, 0, 1234].map((index) => source(index)));
    fc.assert(
      fc.property(text, known, (value, list) => {
        expect(linkCitations(value, list)).toBe(oldLinkCitations(value, list));
        expect(citedIndexes(value, list)).toEqual(oldCitedIndexes(value, list));
      }),
      { numRuns: 20_000 },
    );
  }, 30_000);

  it("drops exactly the whitespace `\\s` matched, for every UTF-16 code unit", () => {
    for (let code = 0; code <= 0xffff; code++) {
      const unit = String.fromCharCode(code);
      for (const text of [`a${unit}[9]`, `a${unit}${unit}[1]`]) {
        expect(linkCitations(text, sources), `U+${code.toString(16)}`).toBe(oldLinkCitations(text, sources));
      }
    }
    // 131,072 comparisons: ~2 s, more on a busy machine.
  }, 30_000);
});

/** A realistic 20 KB answer: prose with citations, lists, inline code and fenced code. */
function answerOfSize(size: number): string {
  const block = [
    "To install the node, run the update script [1] and enable the service with systemd [2].",
    "",
    "- Check the port range in `config.yml` [1][2].",
    "- Windows is not supported [3]; use WSL instead [9].",
    "",
    "```sh",
    "curl -fsSL https://example.com/install.sh | bash # items[1]",
    "```",
    "",
  ].join("\n");
  return block.repeat(Math.ceil(size / block.length)).slice(0, size);
}

describe("citations: linear time on adversarial input", () => {
  // The old regex took ~4 s on 40,000 spaces without a marker.
  it.each([
    ["40,000 spaces, no marker", `${" ".repeat(40_000)}x`],
    ["40,000 spaces before a marker", `${" ".repeat(40_000)}[1]`],
    ["40,000 spaces before an unknown marker", `${" ".repeat(40_000)}[9]`],
    ["40,000 newlines and tabs", `${"\n\t".repeat(20_000)}[1`],
    ["10,000 [", "[".repeat(10_000)],
    ["10,000 [1", "[1".repeat(10_000)],
    ["10,000 backticks", "`".repeat(10_000)],
    ["10,000 markers", " [1]".repeat(10_000)],
    ["10,000 fences", "``` [1] ".repeat(10_000)],
  ])("%s in milliseconds", (_name, text) => {
    expect(fastestMs(() => linkCitations(text, sources), 3)).toBeLessThan(50);
    expect(fastestMs(() => citedIndexes(text, sources), 3)).toBeLessThan(50);
  });

  // Four times the input must take about four times as long (linear); quadratic would be 16.
  // The bound is 8 times plus 2 ms, so a noisy machine does not fail a linear scan.
  it.each([
    ["spaces", (size: number) => `${" ".repeat(size)}x`],
    ["spaces and markers", (size: number) => `${" ".repeat(size / 2)}[1]${" ".repeat(size / 2)}[9]`],
    ["open brackets", (size: number) => "[".repeat(size)],
    ["backticks", (size: number) => "`".repeat(size)],
    ["markers", (size: number) => " [1] [9]".repeat(size / 8)],
    ["an ordinary answer", (size: number) => answerOfSize(size)],
  ])("%s: 4x the input takes at most ~4x the time", (_name, make) => {
    const small = make(100_000);
    const large = make(400_000);
    const [smallMs, largeMs] = fastestPairMs(() => linkCitations(small, sources), () => linkCitations(large, sources));
    if (process.env.QUIRE_PRINT_TIMINGS) console.log(`${_name}: ${smallMs.toFixed(2)} ms → ${largeMs.toFixed(2)} ms`);
    expect(largeMs).toBeLessThan(8 * smallMs + 2);
  });

  it("keeps up with streaming: every prefix of a 20 KB answer, one character at a time", () => {
    // The renderer calls linkCitations on the whole answer at each token; one call per
    // character is the worst case (more calls than any tokenizer makes).
    const answer = answerOfSize(20_000);
    const streamed = (step: number) => () => {
      for (let end = step; end <= answer.length; end += step) linkCitations(answer.slice(0, end), sources);
    };
    const perCharacterMs = cpuMs(streamed(1));
    const perTokenMs = cpuMs(streamed(4));
    if (process.env.QUIRE_PRINT_TIMINGS) console.log(`20 KB streamed: ${perCharacterMs.toFixed(0)} ms per character, ${perTokenMs.toFixed(0)} ms per 4-character token`);
    // 20,000 calls over ~200 MB of text in total; a quadratic scan would take minutes here.
    expect(perCharacterMs).toBeLessThan(5_000);
  }, 30_000);
});
