import "server-only";
import { gunzipSync } from "node:zlib";

export interface SitemapEntry {
  loc: string;
  lastmod: string | null;
}

export type ParsedSitemap = { kind: "index"; sitemaps: string[] } | { kind: "urlset"; urls: SitemapEntry[] };

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeXmlText(text: string): string {
  return text
    .replace(/^\s*<!\[CDATA\[([\s\S]*?)\]\]>\s*$/, "$1")
    .replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/gi, (whole, name: string) => {
      if (name.startsWith("#x") || name.startsWith("#X")) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
      if (name.startsWith("#")) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
      return ENTITIES[name.toLowerCase()] ?? whole;
    })
    .trim();
}

/** The text of the first `<tag>` inside `block`, namespace prefixes allowed. */
function childText(block: string, tag: string): string | null {
  const match = new RegExp(`<(?:[\\w-]+:)?${tag}\\b[^>]*>([\\s\\S]*?)</(?:[\\w-]+:)?${tag}>`, "i").exec(block);
  return match ? decodeXmlText(match[1]!) : null;
}

function blocks(xml: string, tag: string): string[] {
  return Array.from(xml.matchAll(new RegExp(`<(?:[\\w-]+:)?${tag}\\b[^>]*>([\\s\\S]*?)</(?:[\\w-]+:)?${tag}>`, "gi")), (match) => match[1]!);
}

/**
 * A lastmod as ISO 8601: a date stays a date (`2024-05-01`), a date-time becomes UTC.
 * Anything unparseable is dropped rather than guessed.
 */
export function isoDate(value: string | null | undefined): string | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed)) return Number.isNaN(Date.parse(trimmed)) ? null : trimmed;
  const time = Date.parse(trimmed);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

/** The bytes of a sitemap as text; gzip is recognised by its magic number, whatever the name or headers say. */
export function sitemapText(bytes: Uint8Array): string {
  const gzipped = bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  return new TextDecoder().decode(gzipped ? gunzipSync(bytes) : bytes);
}

/**
 * A sitemap (`<urlset>`) or sitemap index (`<sitemapindex>`), per sitemaps.org. Parsed by
 * pattern, not by a full XML parser: the format is flat and a lenient reading copes with
 * the sloppy files generators emit. Null when it is neither.
 */
export function parseSitemap(xml: string): ParsedSitemap | null {
  const body = xml.replace(/<!--[\s\S]*?-->/g, "");
  if (/<(?:[\w-]+:)?sitemapindex\b/i.test(body)) {
    return { kind: "index", sitemaps: blocks(body, "sitemap").map((block) => childText(block, "loc")).filter((loc): loc is string => !!loc) };
  }
  if (!/<(?:[\w-]+:)?urlset\b/i.test(body)) return null;
  const urls: SitemapEntry[] = [];
  for (const block of blocks(body, "url")) {
    const loc = childText(block, "loc");
    if (loc) urls.push({ loc, lastmod: isoDate(childText(block, "lastmod")) });
  }
  return { kind: "urlset", urls };
}
