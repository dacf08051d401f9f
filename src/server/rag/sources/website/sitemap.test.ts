import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { isoDate, parseSitemap, sitemapText } from "@/src/server/rag/sources/website/sitemap";

describe("parseSitemap", () => {
  it("reads a urlset with entities, CDATA, comments and namespace prefixes", () => {
    const xml = `<?xml version="1.0"?><!-- <url><loc>https://x.test/commented</loc></url> -->
<s:urlset xmlns:s="http://www.sitemaps.org/schemas/sitemap/0.9">
<s:url><s:loc> https://x.test/a?x=1&amp;y=2 </s:loc><s:lastmod>2024-05-01</s:lastmod></s:url>
<s:url><s:loc><![CDATA[https://x.test/b]]></s:loc><s:lastmod>2024-05-01T12:00:00+02:00</s:lastmod></s:url>
<s:url><s:loc>https://x.test/c</s:loc><s:lastmod>yesterday</s:lastmod></s:url>
</s:urlset>`;
    expect(parseSitemap(xml)).toEqual({ kind: "urlset", urls: [
      { loc: "https://x.test/a?x=1&y=2", lastmod: "2024-05-01" },
      { loc: "https://x.test/b", lastmod: "2024-05-01T10:00:00.000Z" },
      { loc: "https://x.test/c", lastmod: null },
    ] });
  });
  it("reads a sitemap index, and refuses other XML", () => {
    expect(parseSitemap(`<sitemapindex><sitemap><loc>https://x.test/s1.xml</loc></sitemap><sitemap><loc>https://x.test/s2.xml.gz</loc></sitemap></sitemapindex>`))
      .toEqual({ kind: "index", sitemaps: ["https://x.test/s1.xml", "https://x.test/s2.xml.gz"] });
    expect(parseSitemap("<html><body>Not found</body></html>")).toBeNull();
  });
  it("gunzips by magic number", () => {
    expect(sitemapText(gzipSync("<urlset/>"))).toBe("<urlset/>");
    expect(sitemapText(new TextEncoder().encode("<urlset/>"))).toBe("<urlset/>");
  });
  it("keeps dates as dates and makes date-times UTC", () => {
    expect(isoDate("2024-02-30")).toBe("2024-02-30".length === 10 && !Number.isNaN(Date.parse("2024-02-30")) ? "2024-02-30" : null);
    expect(isoDate("Tue, 05 Mar 2024 08:00:00 GMT")).toBe("2024-03-05T08:00:00.000Z");
    expect(isoDate("")).toBeNull();
    expect(isoDate(null)).toBeNull();
  });
});
