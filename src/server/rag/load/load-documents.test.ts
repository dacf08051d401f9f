import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { decodeDocument, DocumentLoadError, listDocumentFiles, loadDocument, parseDocument } from "@/src/server/rag/load/load-documents";

/** Root reads every file whatever its mode: permission tests cannot fail for root. */
const runningAsRoot = process.getuid?.() === 0;
const ROOT_NOTE = "running as root, which reads every file whatever its mode (test/integration/store-crash.test.ts covers it as user nobody)";
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

describe("loadDocument and decodeDocument: files that cannot be indexed", () => {
  const docsWith = (files: Record<string, string | Buffer>) => {
    const root = mkdtempSync(path.join(tmpdir(), "quire-docs-"));
    for (const [file, content] of Object.entries(files)) writeFileSync(path.join(root, file), content);
    return root;
  };
  const loadError = async (root: string, file: string) => {
    const error = await loadDocument(root, file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DocumentLoadError);
    return error as DocumentLoadError;
  };

  it("refuses a NUL byte, naming its line and offset but not the text around it", async () => {
    const root = docsWith({ "binary.md": Buffer.from("# Title\nsecret-words\n\u0000rest") });
    const error = await loadError(root, "binary.md");
    expect(error.path).toBe("binary.md");
    expect(error.message).toBe("contains a NUL byte (line 3, byte 21): a binary or UTF-16 file, not UTF-8 text");
    expect(error.message).not.toContain("secret");
  });

  it("refuses invalid UTF-8 (e.g. a Latin-1 file) instead of indexing replacement characters", async () => {
    const root = docsWith({ "latin1.md": Buffer.from([0x23, 0x20, 0x43, 0x61, 0x66, 0xe9, 0x0a]) });
    expect((await loadError(root, "latin1.md")).message).toBe("is not valid UTF-8 text: save it as UTF-8");
  });

  it("reports a file that disappeared by its error code, without the absolute path", async () => {
    const root = docsWith({});
    const error = await loadError(root, "gone.md");
    expect(error.message).toBe("cannot be read: it disappeared while ingesting (ENOENT)");
    expect(error.message).not.toContain(root);
  });

  it("reports a permission-denied file", async (context) => {
    if (runningAsRoot) context.skip(ROOT_NOTE);
    const root = docsWith({ "locked.md": "# Locked" });
    chmodSync(path.join(root, "locked.md"), 0o000);
    expect((await loadError(root, "locked.md")).message).toBe("cannot be read: permission denied (EACCES)");
  });

  it("keeps the content hash of valid UTF-8, BOM included, as it was before strict decoding", () => {
    const text = "\uFEFF# Café\n\nNaïve text, 日本語.\n";
    const bytes = Buffer.from(text, "utf8");
    const decoded = decodeDocument("a.md", bytes);
    expect(decoded).toBe(bytes.toString("utf8"));
    expect(parseDocument("a.md", decoded).contentHash).toBe(createHash("sha256").update(text).digest("hex"));
  });
});

describe("listDocumentFiles with an unreadable folder", () => {
  it("reports the folder and lists the rest, and fails when the docs folder itself is unreadable", async (context) => {
    if (runningAsRoot) context.skip(ROOT_NOTE);
    const root = mkdtempSync(path.join(tmpdir(), "quire-docs-"));
    for (const file of ["a.md", "locked/b.md"]) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), "# x");
    }
    chmodSync(path.join(root, "locked"), 0o000);
    const reported: DocumentLoadError[] = [];
    expect(await listDocumentFiles(root, { onUnreadableFolder: (error) => reported.push(error) })).toEqual(["a.md"]);
    expect(reported.map((error) => [error.path, error.message])).toEqual([["locked/", "folder cannot be listed: permission denied (EACCES)"]]);
    await expect(listDocumentFiles(root)).rejects.toThrow(/EACCES/);
    chmodSync(root, 0o000);
    await expect(listDocumentFiles(root, { onUnreadableFolder: () => undefined })).rejects.toThrow(/EACCES/);
  });
});
