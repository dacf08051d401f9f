import { describe, expect, it } from "vitest";
import { assignFileNames, baseFileName, crawlPrefix, hasNonHtmlExtension, inScope, normaliseUrl } from "@/src/server/rag/sources/website/urls";

describe("normaliseUrl", () => {
  it("drops the fragment, credentials, default port and index.html, and sorts the query", () => {
    expect(normaliseUrl("HTTPS://u:p@Docs.Example.com:443/a/index.html?b=2&a=1#part")?.href).toBe("https://docs.example.com/a/?a=1&b=2");
    expect(normaliseUrl("../c?", "https://x.test/a/b/")?.href).toBe("https://x.test/a/c");
  });
  it("refuses what is not a web page address", () => {
    expect(normaliseUrl("mailto:a@b.c")).toBeNull();
    expect(normaliseUrl("javascript:void(0)")).toBeNull();
    expect(normaliseUrl("not a url")).toBeNull();
  });
});

describe("crawl scope", () => {
  it("stays under the start page's folder on its origin", () => {
    expect(crawlPrefix(new URL("https://x.test/docs/intro"))).toBe("/docs/");
    expect(crawlPrefix(new URL("https://x.test/docs/"))).toBe("/docs/");
    expect(inScope(new URL("https://x.test/docs/a"), "https://x.test", "/docs/")).toBe(true);
    expect(inScope(new URL("https://x.test/blog"), "https://x.test", "/docs/")).toBe(false);
    expect(inScope(new URL("https://y.test/docs/a"), "https://x.test", "/docs/")).toBe(false);
  });
  it("knows non-HTML files by extension", () => {
    expect(["a.pdf", "b.PNG", "c.tar.gz", "d.zip"].map((name) => hasNonHtmlExtension(new URL(`https://x.test/${name}`)))).toEqual([true, true, true, true]);
    expect(["a.html", "b", "v1.2/intro", "c/"].map((name) => hasNonHtmlExtension(new URL(`https://x.test/${name}`)))).toEqual([false, false, false, false]);
  });
});

describe("file names", () => {
  const name = (url: string) => baseFileName(new URL(url));
  it("follows the URL path", () => {
    expect(name("https://x.test/")).toBe("index.md");
    expect(name("https://x.test/docs/")).toBe("docs/index.md");
    expect(name("https://x.test/docs/guide/install")).toBe("docs/guide/install.md");
    expect(name("https://x.test/docs/guide/install.html")).toBe("docs/guide/install.md");
    expect(name("https://x.test/a%20b/%2E%2E/c:d")).toBe("c-d.md");
    expect(name("https://x.test/a%20b/.hidden/c:d*e")).toBe("a-b/hidden/c-d-e.md");
    expect(name("https://x.test/p?id=1")).toMatch(/^p--[0-9a-f]{8}\.md$/);
    expect(name("https://x.test/p?id=1")).not.toBe(name("https://x.test/p?id=2"));
  });
  it("resolves collisions by sorted URL, and keeps an earlier sync's name", () => {
    const urls = ["https://x.test/a.html", "https://x.test/a", "https://x.test/A"];
    const first = assignFileNames(urls, new Map());
    expect(first.get("https://x.test/A")).toBe("A.md");
    expect(first.get("https://x.test/a")).toMatch(/^a--[0-9a-f]{8}\.md$/);
    expect(first.get("https://x.test/a.html")).toMatch(/^a--[0-9a-f]{8}\.md$/);
    expect(new Set(first.values()).size).toBe(3);
    expect(assignFileNames([...urls].reverse(), new Map())).toEqual(first);
    const kept = assignFileNames(["https://x.test/a", "https://x.test/a.html"], new Map([["https://x.test/a.html", "a.md"]]));
    expect(kept.get("https://x.test/a.html")).toBe("a.md");
    expect(kept.get("https://x.test/a")).toMatch(/^a--[0-9a-f]{8}\.md$/);
  });
});
