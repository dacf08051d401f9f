import "server-only";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { safeHttpUrl } from "@/src/shared/safe-url";

/** A date or text scalar as a string; YAML may give a number (2024) or a Date. */
const scalarText = z
  .union([z.string(), z.number(), z.date()])
  .transform((value) => (value instanceof Date ? value.toISOString().slice(0, 10) : String(value).trim()))
  .pipe(z.string().min(1));

/**
 * A page's public link. It becomes the href of every citation of the page, so only an
 * absolute http(s) URL is kept: z.url() also accepted `javascript:`, `data:`, `file:`…
 * Anything else fails here and is dropped like a malformed URL.
 */
const pageUrl = z
  .string()
  .transform((value) => safeHttpUrl(value))
  .pipe(z.string());

/** The frontmatter fields Quire reads; everything else is ignored, and a bad field is dropped, not fatal. */
export const frontmatterSchema = z.object({
  title: scalarText.optional().catch(undefined),
  url: pageUrl.optional().catch(undefined),
  source_url: pageUrl.optional().catch(undefined),
  date: scalarText.optional().catch(undefined),
  /** When the page last changed (a website source writes it from the sitemap or Last-Modified). */
  updated_at: scalarText.optional().catch(undefined),
  updated: scalarText.optional().catch(undefined),
  last_updated: scalarText.optional().catch(undefined),
  lastmod: scalarText.optional().catch(undefined),
});
export type Frontmatter = z.infer<typeof frontmatterSchema>;

export interface SplitFrontmatter {
  frontmatter: Frontmatter;
  body: string;
}

const frontmatterPattern = /^---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

/**
 * Separates a leading `---` YAML block from the body. Malformed YAML is treated
 * as no frontmatter (the block stays in the body) rather than failing the file.
 */
export function splitFrontmatter(source: string): SplitFrontmatter {
  const match = frontmatterPattern.exec(source);
  if (!match) return { frontmatter: {}, body: source };
  let data: unknown;
  try {
    data = parseYaml(match[1] ?? "");
  } catch {
    return { frontmatter: {}, body: source };
  }
  const parsed = frontmatterSchema.safeParse(data ?? {});
  return { frontmatter: parsed.success ? parsed.data : {}, body: source.slice(match[0].length) };
}
