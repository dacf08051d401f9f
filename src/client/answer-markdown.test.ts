import { describe, expect, it } from "vitest";
import { answerAsMarkdown } from "@/src/client/answer-markdown";
import type { ChatSource } from "@/src/shared/sources";

const source = (index: number, title: string, heading: string, href: string): ChatSource => ({
  id: `c${index}`, index, title, heading, url: null, href, path: `doc-${index}.md`, snippet: "",
});
const sources = [
  source(1, "Installing", "Linux", "/sources/12?path=install.md"),
  source(2, "Config [beta]", "", "https://docs.example.com/config#port"),
  source(3, "Unused", "", "/sources/14"),
];

describe("answerAsMarkdown", () => {
  it("turns markers into footnote references and lists the cited sources as absolute links", () => {
    expect(answerAsMarkdown("Unpack it [1] and set the port [2]. Again [1].", sources, "https://quire.example")).toBe(
      [
        "Unpack it [^1] and set the port [^2]. Again [^1].",
        "",
        "[^1]: [Installing › Linux](https://quire.example/sources/12?path=install.md)",
        "[^2]: [Config \\[beta\\]](https://docs.example.com/config#port)",
        "",
      ].join("\n"),
    );
  });

  it("leaves fenced code as written and drops markers of unknown sources", () => {
    const text = "Run this [9]:\n\n```\nls [1]\n```\n";
    expect(answerAsMarkdown(text, sources, "https://quire.example")).toBe("Run this:\n\n```\nls [1]\n```");
  });

  it("writes no link for a source whose href is unsafe", () => {
    const unsafe = [source(1, "Odd", "", "javascript:alert(1)")];
    expect(answerAsMarkdown("See [1].", unsafe, "https://quire.example")).toBe("See [^1].\n\n[^1]: Odd\n");
  });
});
