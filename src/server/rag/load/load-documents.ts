import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { splitFrontmatter, type SplitFrontmatter } from "@/src/server/rag/load/frontmatter";
import { stripMdx } from "@/src/server/rag/load/mdx";
import type { SourceDocument } from "@/src/server/rag/types";

export const DOCUMENT_EXTENSIONS = [".md", ".mdx", ".txt"] as const;

/** Relative paths (with `/`) of the docs files under `root`, sorted; dot-folders and node_modules skipped. */
export async function listDocumentFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(path.join(root, relative), { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile() && DOCUMENT_EXTENSIONS.some((extension) => entry.name.toLowerCase().endsWith(extension))) {
        found.push(child);
      }
    }
  };
  await walk("");
  return found.sort();
}

function titleFromBody(body: string): string | null {
  const heading = /^ {0,3}#[ \t]+(.+?)[ \t#]*$/m.exec(body);
  return heading?.[1]?.trim() ?? null;
}

function titleFromPath(relativePath: string): string {
  const base = path.posix.basename(relativePath).replace(/\.(md|mdx|txt)$/i, "");
  const name = base === "index" ? path.posix.basename(path.posix.dirname(relativePath)) || base : base;
  return name.replace(/^\d+[-_]/, "").replace(/[-_]+/g, " ");
}

/** Turns a file's text into a SourceDocument. Pure, so it is tested without a disk. */
export function parseDocument(relativePath: string, source: string): SourceDocument {
  const contentHash = createHash("sha256").update(source).digest("hex");
  const normalized = source.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const isText = relativePath.toLowerCase().endsWith(".txt");
  const { frontmatter, body }: SplitFrontmatter = isText ? { frontmatter: {}, body: normalized } : splitFrontmatter(normalized);
  const cleaned = isText ? body : stripMdx(body);
  const { title, url, source_url: sourceUrl, date } = frontmatter;
  return {
    path: relativePath,
    title: title ?? titleFromBody(cleaned) ?? titleFromPath(relativePath),
    url: url ?? sourceUrl ?? null,
    date: date ?? null,
    body: cleaned,
    contentHash,
  };
}

/** Reads one docs file (UTF-8). */
export async function loadDocument(root: string, relativePath: string): Promise<SourceDocument> {
  const source = await readFile(path.join(root, relativePath), "utf8");
  return parseDocument(relativePath, source);
}
