import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import Markdown, { type UrlTransform } from "react-markdown";
import { describe, expect, it } from "vitest";
import { markdownUrlTransform, safeHref, safeHttpUrl } from "@/src/shared/safe-url";

/** Must be assignable to react-markdown's own type, or the prop would not accept it. */
const asUrlTransform: UrlTransform = markdownUrlTransform;

/** Rejected by both functions: scripts, other schemes, other hosts, and hidden-character tricks. */
const nasty = [
  "javascript:alert(1)",
  "JaVaScRiPt:alert(1)",
  "JAVASCRIPT:alert(1)",
  "java\tscript:alert(1)",
  "java\nscript:alert(1)",
  "java\rscript:alert(1)",
  "jav\u0000ascript:alert(1)",
  " javascript:alert(1)",
  "\u0001javascript:alert(1)",
  "\u00a0javascript:alert(1)",
  "javascript&colon;alert(1)",
  "javascript://example.com/%0aalert(1)",
  "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
  "DATA:text/html,<script>alert(1)</script>",
  "vbscript:msgbox(1)",
  "file:///etc/passwd",
  "blob:https://example.com/uuid",
  "mailto:someone@example.com",
  "ftp://example.com/file",
  "ws://example.com/socket",
  "//evil.example",
  "//evil.example/path",
  "/\\evil.example",
  "\\\\evil.example",
  "\\/evil.example",
  "https:\\\\evil.example",
  "https:/evil.example",
  "http:evil.example",
  "https:",
  "https://",
  "https:// evil.example",
  "https://exa\u200bmple.com",
  "https://example.com/\u202egpj.exe",
  "https://example.com/a\u2028b",
  "https://example.com/\u0085",
  "not a url",
  "",
  "   ",
];

describe("safeHttpUrl", () => {
  it("keeps absolute http and https URLs as written", () => {
    for (const url of [
      "https://docs.example.com/guide/install#linux",
      "http://localhost:3000/x?y=1&z=%20",
      "HTTPS://Docs.Example.com/A",
      "https://discord.com/channels/1/2",
      "https://b.example",
      "https://de.wikipedia.org/wiki/Straße",
      "https://[::1]:8080/",
    ]) {
      expect(safeHttpUrl(url), url).toBe(url);
    }
    expect(safeHttpUrl("  https://a.example/x \n")).toBe("https://a.example/x");
  });

  it.each(nasty)("rejects %j", (value) => {
    expect(safeHttpUrl(value)).toBeNull();
  });

  it("rejects relative paths, anchors and missing values", () => {
    for (const value of ["/sources/c1", "#quire-cite-1", "sources/c1", "?x=1", null, undefined]) expect(safeHttpUrl(value)).toBeNull();
  });
});

describe("safeHref", () => {
  it("keeps web links, paths on our origin and in-page anchors", () => {
    expect(safeHref("https://docs.example.com/guide#linux")).toBe("https://docs.example.com/guide#linux");
    expect(safeHref("/sources/c1?path=guide%2Finstall.md")).toBe("/sources/c1?path=guide%2Finstall.md");
    expect(safeHref("/")).toBe("/");
    expect(safeHref("#quire-cite-1")).toBe("#quire-cite-1");
    expect(safeHref("#user-content-fn-1")).toBe("#user-content-fn-1");
  });

  it.each(nasty)("rejects %j", (value) => {
    expect(safeHref(value)).toBeNull();
  });

  it("rejects relative paths that do not start with a single /", () => {
    for (const value of ["sources/c1", "./x", "../x", "?x=1", "/\t/evil.example", "/%09/evil.example/../x"]) {
      const result = safeHref(value);
      // A percent-encoded tab is a plain path character on our origin, not a second slash.
      if (value.startsWith("/%09")) expect(result).toBe(value);
      else expect(result, value).toBeNull();
    }
    expect(safeHref(null)).toBeNull();
    expect(safeHref(undefined)).toBeNull();
  });
});

describe("markdownUrlTransform", () => {
  it("returns the href or undefined, as react-markdown's urlTransform expects", () => {
    expect(asUrlTransform("#quire-cite-2", "href", { type: "element", tagName: "a", properties: {}, children: [] })).toBe("#quire-cite-2");
    expect(markdownUrlTransform("https://x.example")).toBe("https://x.example");
    expect(markdownUrlTransform("javascript:alert(1)")).toBeUndefined();
    expect(markdownUrlTransform("")).toBeUndefined();
  });

  it("renders a rejected link without an href, and keeps citation chips and web links", () => {
    const html = renderToStaticMarkup(
      createElement(Markdown, { urlTransform: markdownUrlTransform }, [
        "[bad](javascript:alert(1)) [worse](<java\tscript:alert(1)>) [data](data:text/html,x)",
        "[chip](#quire-cite-1) [web](https://docs.example/x) [viewer](/sources/c1) [proto](//evil.example)",
        "<https://auto.example/link> [ref][r]",
        "",
        "[r]: JAVASCRIPT:alert(1)",
      ].join("\n")),
    );
    expect(html).not.toMatch(/javascript|data:|evil\.example/i);
    expect(html).toContain('<a>bad</a>');
    expect(html).toContain('<a href="#quire-cite-1">chip</a>');
    expect(html).toContain('<a href="https://docs.example/x">web</a>');
    expect(html).toContain('<a href="/sources/c1">viewer</a>');
    expect(html).toContain('<a href="https://auto.example/link">https://auto.example/link</a>');
  });
});
