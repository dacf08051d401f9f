import { describe, expect, it } from "vitest";
import { frontmatterSchema, splitFrontmatter } from "@/src/server/rag/load/frontmatter";
import { parseDocument } from "@/src/server/rag/load/load-documents";

const withFrontmatter = (yaml: string) => `---\n${yaml}\n---\n# Heading\n\nBody.\n`;

describe("frontmatter url and source_url", () => {
  it("keeps an absolute http(s) URL exactly as written", () => {
    expect(splitFrontmatter(withFrontmatter("url: https://a.example/x#y")).frontmatter.url).toBe("https://a.example/x#y");
    expect(splitFrontmatter(withFrontmatter("source_url: http://b.example")).frontmatter.source_url).toBe("http://b.example");
    expect(splitFrontmatter(withFrontmatter('url: "HTTPS://C.example/Guide"')).frontmatter.url).toBe("HTTPS://C.example/Guide");
  });

  it.each([
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    '"java\\tscript:alert(1)"',
    '" javascript:alert(1)"',
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "mailto:someone@example.com",
    "//evil.example/x",
    "/sources/x",
    "not a url",
    "42",
    "[https://a.example]",
  ])("drops %s like an invalid URL, keeping the other fields", (value) => {
    const { frontmatter, body } = splitFrontmatter(withFrontmatter(`title: T\nurl: ${value}\nsource_url: ${value}\ndate: 2026-01-02`));
    expect(frontmatter).toEqual({ title: "T", date: "2026-01-02" });
    expect(body).toBe("# Heading\n\nBody.\n");
  });

  it("falls back to a safe source_url when url is not one, and to no URL when neither is", () => {
    const fallback = parseDocument("a.md", withFrontmatter("url: javascript:alert(1)\nsource_url: https://discord.com/channels/1/2"));
    expect(fallback.url).toBe("https://discord.com/channels/1/2");
    expect(parseDocument("b.md", withFrontmatter("title: T\nurl: data:text/html,x")).url).toBeNull();
  });

  it("parses the schema on its own the same way (a bad field is dropped, not fatal)", () => {
    expect(frontmatterSchema.parse({ url: "javascript:alert(1)", title: "T" })).toEqual({ title: "T" });
    expect(frontmatterSchema.parse({ url: "https://a.example" })).toEqual({ url: "https://a.example" });
  });
});
