import "server-only";
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { splitFrontmatter, type SplitFrontmatter } from "@/src/server/rag/load/frontmatter";
import { stripMdx } from "@/src/server/rag/load/mdx";
import type { SourceDocument } from "@/src/server/rag/types";

export const DOCUMENT_EXTENSIONS = [".md", ".mdx", ".txt"] as const;

/**
 * Why one docs file (or folder) was not indexed. The message names the problem and
 * where it is, never the file's content: it is logged and printed.
 */
export class DocumentLoadError extends Error {
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "DocumentLoadError";
  }
}

/** A file system error in words, without the absolute path that Node puts in its messages. */
function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EACCES" || code === "EPERM") return `permission denied (${code})`;
  if (code === "ENOENT") return "it disappeared while ingesting (ENOENT)";
  if (code === "EISDIR") return "it is a directory (EISDIR)";
  return code ?? (error as Error).name;
}

export interface ListOptions {
  /** A sub-folder that cannot be listed is reported here and skipped; without it, listing fails. */
  onUnreadableFolder?: (error: DocumentLoadError) => void;
}

/** Relative paths (with `/`) of the docs files under `root`, sorted; dot-folders and node_modules skipped. */
export async function listDocumentFiles(root: string, options: ListOptions = {}): Promise<string[]> {
  const found: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(root, relative), { withFileTypes: true });
    } catch (error) {
      // The docs folder itself must be readable; a sub-folder is one more bad entry.
      if (relative === "" || options.onUnreadableFolder === undefined) throw error;
      options.onUnreadableFolder(new DocumentLoadError(`${relative}/`, `folder cannot be listed: ${describeFsError(error)}`, { cause: error }));
      return;
    }
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
  const updated = frontmatter.updated_at ?? frontmatter.last_updated ?? frontmatter.updated ?? frontmatter.lastmod ?? null;
  return {
    path: relativePath,
    title: title ?? titleFromBody(cleaned) ?? titleFromPath(relativePath),
    url: url ?? sourceUrl ?? null,
    date: date ?? null,
    updated,
    body: cleaned,
    contentHash,
  };
}

/** ignoreBOM keeps a BOM in the text, as readFile(…, "utf8") did: the content hash, and so the stored checksums, stay the same. */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * A docs file's bytes as text. A NUL byte (a binary file, or UTF-16) and invalid
 * UTF-8 (another encoding) are refused rather than indexed as garbage; PostgreSQL
 * would refuse the NUL anyway, failing the whole write.
 */
export function decodeDocument(relativePath: string, bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    const line = bytes.subarray(0, nul).filter((byte) => byte === 0x0a).length + 1;
    throw new DocumentLoadError(relativePath, `contains a NUL byte (line ${line}, byte ${nul}): a binary or UTF-16 file, not UTF-8 text`);
  }
  try {
    return strictUtf8.decode(bytes);
  } catch (error) {
    throw new DocumentLoadError(relativePath, "is not valid UTF-8 text: save it as UTF-8", { cause: error });
  }
}

/** Reads one docs file (UTF-8). Throws DocumentLoadError when it cannot be read, decoded or parsed. */
export async function loadDocument(root: string, relativePath: string): Promise<SourceDocument> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path.join(root, relativePath));
  } catch (error) {
    throw new DocumentLoadError(relativePath, `cannot be read: ${describeFsError(error)}`, { cause: error });
  }
  const source = decodeDocument(relativePath, bytes);
  try {
    return parseDocument(relativePath, source);
  } catch (error) {
    // The parser's own message may quote the file; the error's name is enough to report.
    throw new DocumentLoadError(relativePath, `could not be parsed (${(error as Error).name})`, { cause: error });
  }
}
