import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import AnswerMarkdown from "@/src/client/answer-markdown-view";
import { sourceLabel } from "@/src/client/answer-text";
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

describe("source labels", () => {
  it("does not repeat a title its heading path starts with", () => {
    expect(sourceLabel(source(1, "Guide", "Guide > Install > Linux"))).toBe("Guide > Install > Linux");
    expect(sourceLabel(source(1, "Guide", "Linux"))).toBe("Guide › Linux");
    expect(sourceLabel(source(1, "Guide", ""))).toBe("Guide");
  });
});

describe("answer Markdown", () => {
  const render = (text: string, sources: ChatSource[] = [source(1, "Install"), source(2, "Config")]) =>
    renderToStaticMarkup(createElement(AnswerMarkdown, { text, sources }));
  const chips = (html: string) => [...html.matchAll(/<a class="citation"[^>]*aria-label="([^"]+)"[^>]*>(\d+)<\/a>/g)].map((match) => `${match[2]}:${match[1]}`);

  it("keeps citation chips inside text, lists and table cells", () => {
    const html = render(
      "Install it first [1].\n\n- Download [1]\n- Configure [2]\n\n| Step | Source |\n| --- | --- |\n| Unpack | see [2] |\n",
    );
    expect(chips(html)).toEqual(["1:Source 1: Install", "1:Source 1: Install", "2:Source 2: Config", "2:Source 2: Config"]);
    expect(html).toMatch(/<li>Download <a class="citation"/);
    expect(html).toMatch(/<td>see <a class="citation"/);
    expect(html).toContain('<div class="table-scroll" tabindex="0"><table>');
  });

  it("renders a fenced block as a code block with its language and a Copy button, leaving [n] in code alone", () => {
    const html = render("Run:\n\n```bash\nquire ingest ./docs [1]\n```\n\nThen `quire serve` [1].");
    expect(html).toContain('<code class="language-bash hljs">quire ingest ./docs [1]</code>');
    expect(html).toContain('aria-label="Copy code"');
    expect(html).toContain("<code>quire serve</code>");
    expect(chips(html)).toEqual(["1:Source 1: Install"]);
  });

  it("renders GFM: ordered lists, strikethrough; no raw HTML, no images", () => {
    const html = render("1. one\n2. ~~two~~\n\n<b>bold</b> ![x](https://example.com/x.png)");
    expect(html).toContain("<ol>");
    expect(html).toContain("<del>two</del>");
    expect(html).not.toContain("<b>");
    expect(html).not.toContain("<img");
  });
});
