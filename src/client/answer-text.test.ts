import { describe, expect, it } from "vitest";
import { citedIndexes, linkCitations, sourceLabel } from "@/src/client/answer-text";
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

describe("citations in answers", () => {
  const sources = [source(1), source(2)];

  it("links known markers and drops unknown ones with the space before them", () => {
    expect(linkCitations("Install it [1]. Then run it [2][9].", sources)).toBe(
      "Install it [1](#quire-cite-1). Then run it [2](#quire-cite-2).",
    );
    expect(linkCitations("Nothing backs this [7].", sources)).toBe("Nothing backs this.");
  });

  it("leaves fenced code and existing links alone", () => {
    const text = "See [1].\n```ts\nconst list = items[1];\n```\nAnd [the guide](https://x.example) [2]";
    expect(linkCitations(text, sources)).toBe(
      "See [1](#quire-cite-1).\n```ts\nconst list = items[1];\n```\nAnd [the guide](https://x.example) [2](#quire-cite-2)",
    );
  });

  it("lists cited sources once, in order of first citation", () => {
    expect(citedIndexes("b [2] a [1] again [2] ghost [5]", sources)).toEqual([2, 1]);
  });

  it("does not repeat a title its heading path starts with", () => {
    expect(sourceLabel(source(1, "Guide", "Guide > Install > Linux"))).toBe("Guide > Install > Linux");
    expect(sourceLabel(source(1, "Guide", "Linux"))).toBe("Guide › Linux");
    expect(sourceLabel(source(1, "Guide", ""))).toBe("Guide");
  });
});
