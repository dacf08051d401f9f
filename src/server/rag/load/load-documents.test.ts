import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { listDocumentFiles, parseDocument } from "@/src/server/rag/load/load-documents";
import { renderDataExport, stripMdx } from "@/src/server/rag/load/mdx";

describe("parseDocument", () => {
  it("reads title, source_url and date from frontmatter", () => {
    const document = parseDocument(
      "discord/a.md",
      "---\ntitle: \"Dev updates\"\ndate: 2026-03-27\nsource_url: https://discord.com/channels/1/2\ntopics:\n  - x\n---\n\n# Heading\n\nBody.\n",
    );
    expect(document).toMatchObject({ title: "Dev updates", date: "2026-03-27", url: "https://discord.com/channels/1/2" });
    expect(document.body.trim()).toBe("# Heading\n\nBody.");
    expect(document.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("prefers url over source_url, drops an invalid one, and survives malformed YAML", () => {
    expect(parseDocument("a.md", "---\nurl: https://a.example/x\nsource_url: https://b.example\n---\nx").url).toBe(
      "https://a.example/x",
    );
    expect(parseDocument("a.md", "---\ntitle: T\nurl: not a url\n---\nx")).toMatchObject({ title: "T", url: null });
    expect(parseDocument("a.md", "---\ntitle: [unclosed\n---\n# H\n").title).toBe("H");
  });

  it("falls back to the first heading, then the file name", () => {
    expect(parseDocument("guide/01-install.md", "Intro\n\n# Install Quire\n").title).toBe("Install Quire");
    expect(parseDocument("guide/01-getting-started.txt", "plain text").title).toBe("getting started");
    expect(parseDocument("guide/index.md", "no heading").title).toBe("guide");
  });

  it("keeps .txt files as they are", () => {
    expect(parseDocument("notes.txt", "---\nnot: frontmatter\n---\nimport x from 'y';").body).toContain("import x");
  });
});

describe("stripMdx", () => {
  it("removes imports, exports and JSX components, keeping prose, admonition text and code", () => {
    const source = [
      "import ScriptViewer from '@site/src/components/ScriptViewer';",
      "export const PARAMS = [",
      "  { name: \"bucket\", type: \"text\" },",
      "];",
      "# Linux",
      "Import your keys first.",
      "<ScriptViewer src=\"/scripts/a.sh\" title=\"a.sh\" />",
      "<ApiTester",
      "  parameters={[",
      "    { name: \"a\" },",
      "  ]}",
      "/>",
      ":::tip",
      "Use the update script.",
      ":::",
      "```tsx",
      "import React from 'react';",
      "<Button />",
      "```",
      "<details>",
      "<summary>Manual download</summary>",
    ].join("\n");
    expect(stripMdx(source).split("\n").filter((line) => line.trim() !== "")).toEqual([
      "# Linux",
      "Import your keys first.",
      "Use the update script.",
      "```tsx",
      "import React from 'react';",
      "<Button />",
      "```",
      "Manual download",
      // A data export that no component renders is kept at the end, as a list.
      "- **bucket** (text)",
    ]);
  });

  it("turns an exported parameter table into a Markdown list where its component renders it", () => {
    const source = [
      "export const REQUEST_PARAMETERS = [",
      "  {",
      "    name: \"PendingWindowInDays\",",
      "    type: \"integer\",",
      "    description: 'Between 7 and 30 days, {inclusive}. Default \\'30\\'.',",
      "    required: false",
      "  },",
      "  { name: \"KeyId\", type: \"string\", required: true, description: \"The key [ARN].\" }",
      "];",
      "## Request body",
      "<ParamsTable parameters={REQUEST_PARAMETERS} />",
      "<ApiTester",
      "  parameters={REQUEST_PARAMETERS}",
      "/>",
    ].join("\n");
    expect(stripMdx(source).split("\n").filter((line) => line.trim() !== "")).toEqual([
      "## Request body",
      "- **PendingWindowInDays** (integer, optional): Between 7 and 30 days, {inclusive}. Default '30'.",
      "- **KeyId** (string, required): The key [ARN].",
    ]);
    expect(renderDataExport("export const EMPTY = [];")).toBeNull();
  });
});

describe("listDocumentFiles", () => {
  it("finds .md, .mdx and .txt files, skipping dot-folders and node_modules", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "quire-docs-"));
    for (const file of ["a.md", "b/c.mdx", "b/d.txt", "b/e.json", ".git/f.md", "node_modules/g.md"]) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), "# x");
    }
    expect(await listDocumentFiles(root)).toEqual(["a.md", "b/c.mdx", "b/d.txt"]);
  });
});
