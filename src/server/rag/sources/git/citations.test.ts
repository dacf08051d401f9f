import { describe, expect, it } from "vitest";
import { gitCitations } from "@/src/server/rag/sources/git/citations";

const SHA = "0123456789abcdef0123456789abcdef01234567";

describe("gitCitations", () => {
  it("links a forge file at the commit, with the docs path inside the repository", () => {
    const links = gitCitations({ url: "https://github.com/o/r.git", commit: SHA, repositoryPath: "docs" });
    expect(links.citationUrl("guide/install.md", "linux")).toBe(`https://github.com/o/r/blob/${SHA}/docs/guide/install.md#linux`);
    expect(links.citationUrl("index.md", null)).toBe(`https://github.com/o/r/blob/${SHA}/docs/index.md`);
    expect(links.citationKey).toBe("git:github.com/o/r:docs");
    const gitlab = gitCitations({ url: "git@gitlab.com:g/r.git", commit: SHA, repositoryPath: "" });
    expect(gitlab.citationUrl("a.md", "x")).toBe(`https://gitlab.com/g/r/-/blob/${SHA}/a.md#x`);
    expect(gitlab.citationKey).toBe("git:gitlab.com/g/r:");
  });

  it("the key does not change with the commit", () => {
    const other = "f".repeat(40);
    expect(gitCitations({ url: "https://codeberg.org/o/r", commit: SHA, repositoryPath: "docs" }).citationKey).toBe(
      gitCitations({ url: "https://codeberg.org/o/r", commit: other, repositoryPath: "docs" }).citationKey,
    );
  });

  it("docsBaseUrl wins and links like QUIRE_DOCS_BASE_URL; an unknown host uses the viewer", () => {
    const site = gitCitations({ url: "https://github.com/o/r", commit: SHA, repositoryPath: "docs", docsBaseUrl: "https://docs.example.com/" });
    expect(site.citationUrl("guide/install/index.mdx", "step 1")).toBe("https://docs.example.com/guide/install#step%201");
    expect(site.citationUrl("index.md", null)).toBe("https://docs.example.com/");
    expect(site.citationKey).toBe("base:https://docs.example.com/");
    const local = gitCitations({ url: "/srv/r.git", commit: SHA, repositoryPath: "docs" });
    expect(local.citationUrl("a.md", "x")).toBeNull();
    expect(local.citationKey).toBe("viewer");
  });
});
