import "server-only";
import { createHash } from "node:crypto";

/** Extensions that are never an HTML page; a link to one is skipped without a request. */
const NON_HTML_EXTENSIONS = new Set([
  "pdf", "png", "jpg", "jpeg", "gif", "webp", "svg", "ico", "bmp", "tif", "tiff", "avif",
  "zip", "gz", "tgz", "tar", "bz2", "xz", "7z", "rar", "dmg", "exe", "msi", "deb", "rpm", "apk", "iso",
  "mp3", "mp4", "m4a", "webm", "ogg", "wav", "mov", "avi",
  "css", "js", "mjs", "json", "xml", "rss", "atom", "txt", "csv", "woff", "woff2", "ttf", "otf", "eot",
  "doc", "docx", "xls", "xlsx", "ppt", "pptx", "epub",
]);

/**
 * The one spelling of a page URL: absolute, no fragment, http(s) only, default port and
 * `index.html` dropped, query parameters sorted (so `?b=1&a=2` and `?a=2&b=1` are one page).
 * Null for anything that is not a web page address (mailto:, javascript:, garbage).
 */
export function normaliseUrl(raw: string, base?: string | URL): URL | null {
  let url: URL;
  try {
    url = new URL(raw.trim(), base);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  url.hash = "";
  url.username = "";
  url.password = "";
  url.pathname = url.pathname.replace(/\/index\.html?$/i, "/");
  url.searchParams.sort();
  if (url.search === "?") url.search = "";
  return url;
}

/** Whether a URL's path ends in an extension that is certainly not HTML. */
export function hasNonHtmlExtension(url: URL): boolean {
  const last = url.pathname.split("/").at(-1) ?? "";
  const dot = last.lastIndexOf(".");
  return dot > 0 && NON_HTML_EXTENSIONS.has(last.slice(dot + 1).toLowerCase());
}

/** The folder a crawl stays under: the start page's directory (`/docs/intro` → `/docs/`). */
export function crawlPrefix(start: URL): string {
  return start.pathname.endsWith("/") ? start.pathname : start.pathname.slice(0, start.pathname.lastIndexOf("/") + 1);
}

/** Whether `url` is inside the crawl: same origin and under the prefix. */
export function inScope(url: URL, origin: string, prefix: string): boolean {
  return url.origin === origin && url.pathname.startsWith(prefix);
}

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 8);
}

/** A path segment that is safe on every file system: letters, digits, `.`, `_` and `-`, never `.` or `..`. */
function safeSegment(segment: string): string {
  let decoded = segment;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    // A malformed escape is kept as written; the replacement below makes it safe.
  }
  const cleaned = decoded.normalize("NFC").replace(/[^\p{L}\p{N}._-]+/gu, "-").replace(/^\.+/, "").slice(0, 120);
  return cleaned === "" ? "_" : cleaned;
}

/**
 * The Markdown file a page is written to, from its URL path alone: `/` → `index.md`,
 * `/docs/guide/install` and `/docs/guide/install.html` → `docs/guide/install.md`,
 * `/docs/` → `docs/index.md`. A query string adds a short hash of itself, so two
 * query variants never share a file.
 */
export function baseFileName(url: URL): string {
  const segments = url.pathname.split("/").filter((segment) => segment !== "").map(safeSegment);
  if (url.pathname.endsWith("/") || segments.length === 0) segments.push("index");
  let last = segments.pop()!.replace(/\.(html?|php|aspx?|md)$/i, "");
  if (last === "" || last === "_") last = "index";
  if (url.search !== "") last = `${last}--${shortHash(url.search)}`;
  return [...segments, `${last}.md`].join("/");
}

/**
 * File names for a set of page URLs, deterministic for the set: a URL keeps the name it
 * had in the previous sync when that name is still free, the others get their base name
 * in sorted order, and a name already taken (case-insensitively, for macOS and Windows
 * folders) gets a short hash of the URL.
 */
export function assignFileNames(urls: readonly string[], previous: ReadonlyMap<string, string>): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Set<string>();
  const sorted = [...new Set(urls)].sort();
  for (const url of sorted) {
    const old = previous.get(url);
    if (old !== undefined && !taken.has(old.toLowerCase()) && old === baseFileName(new URL(url))) {
      names.set(url, old);
      taken.add(old.toLowerCase());
    }
  }
  for (const url of sorted) {
    if (names.has(url)) continue;
    const old = previous.get(url);
    let name = old !== undefined && !taken.has(old.toLowerCase()) ? old : baseFileName(new URL(url));
    if (taken.has(name.toLowerCase())) name = name.replace(/\.md$/, `--${shortHash(url)}.md`);
    names.set(url, name);
    taken.add(name.toLowerCase());
  }
  return names;
}
