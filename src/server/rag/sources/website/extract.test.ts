import { describe, expect, it } from "vitest";
import { extractPage } from "@/src/server/rag/sources/website/extract";
import { decodeBody, pageFile } from "@/src/server/rag/sources/website";

const url = new URL("https://docs.example.com/guide/start");
const filler = `<p>${"Words about running a node, repeated so the reader view keeps them. ".repeat(8)}</p>`;

describe("extractPage", () => {
  it("keeps headings with their anchors, fenced code with its language, and absolute links", () => {
    const page = extractPage(`<html><head><title>Start - Site</title></head><body><nav><a href="/">Home</a></nav><article>
<h1 id="start">Start<a href="#start" class="hash-link">​#</a></h1>${filler}
<h2><a name="run-it"></a>Run <code>qnode</code></h2>${filler}
<div class="highlight-source-rust"><pre>fn main() {}</pre></div>
<pre class="lang-sh"><code>ls \`\`\`</code></pre>
<h3 id="with spaces">Odd id</h3><p>Link <a href="../api/#x">API</a>, <a href="https://other.test/">other</a>, <img src="i.png" alt="pic"></p>
</article></body></html>`, url);
    expect(page.title).toBe("Start");
    expect(page.markdown).toBe([
      "# Start {#start}", "", filler.slice(3, -4).trim(), "",
      "## Run `qnode` {#run-it}", "", filler.slice(3, -4).trim(), "",
      "```rust", "fn main() {}", "```", "",
      "````sh", "ls ```", "````", "",
      "### Odd id", "",
      "Link [API](https://docs.example.com/api/#x), [other](https://other.test/), ![pic](https://docs.example.com/guide/i.png)", "",
    ].join("\n"));
    expect(page.links).toEqual(["https://docs.example.com/", "https://docs.example.com/api/", "https://other.test/"]);
  });

  it("keeps an <h1> of the content at level 1 (Readability demotes it) and does not repeat it as the title", () => {
    const page = extractPage(`<html><head><title>Other</title></head><body><article><h1 id="top">Top</h1>${filler}<h2 id="sub">Sub</h2>${filler}</article></body></html>`, url);
    expect(page.title).toBe("Top");
    expect(page.markdown.split("\n").filter((line) => line.startsWith("#"))).toEqual(["# Top {#top}", "## Sub {#sub}"]);
  });

  it("falls back to the <title> and the body on a page too short for the reader view", () => {
    const page = extractPage("<html><head><title>Tiny</title></head><body><p>Just <b>this</b>.</p></body></html>", url);
    expect(page.title).toBe("Tiny");
    expect(page.markdown).toBe("# Tiny\n\nJust **this**.\n");
  });
});

describe("pageFile", () => {
  it("writes YAML frontmatter safely, leaving out an unknown date", () => {
    expect(pageFile({ title: 'Colon: "quoted" #hash', pageUrl: "https://x.test/a", updatedAt: null }, "# A\n"))
      .toBe(`---\ntitle: 'Colon: "quoted" #hash'\npage_url: https://x.test/a\n---\n\n# A\n`);
  });
});

describe("decodeBody", () => {
  const latin1 = Uint8Array.from([0x3c, 0x6d, 0x65, 0x74, 0x61, 0x20, 0x63, 0x68, 0x61, 0x72, 0x73, 0x65, 0x74, 0x3d, 0x22, 0x69, 0x73, 0x6f, 0x2d, 0x38, 0x38, 0x35, 0x39, 0x2d, 0x31, 0x22, 0x3e, 0xe9]);
  it("uses the header's charset, else the <meta> one, else UTF-8", () => {
    expect(decodeBody(latin1, "text/html").endsWith("é")).toBe(true);
    expect(decodeBody(Uint8Array.from([0xc3, 0xa9]), "text/html; charset=utf-8")).toBe("é");
    expect(decodeBody(Uint8Array.from([0xe9]), "text/html; charset=windows-1252")).toBe("é");
    expect(decodeBody(Uint8Array.from([0xc3, 0xa9]), "text/html; charset=no-such")).toBe("é");
  });
});
