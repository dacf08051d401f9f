import { CITE_PREFIX, linkCitations } from "@/src/client/citations";
import { safeHref } from "@/src/shared/safe-url";
import { locationLabel, type ChatSource } from "@/src/shared/sources";

/** A chip's link as linkCitations writes it: `[3](#quire-cite-3)`. */
const CHIP_LINK = new RegExp(`\\[(\\d{1,3})\\]\\(${CITE_PREFIX}\\1\\)`, "g");

function escapeLabel(label: string): string {
  return label.replace(/[[\]\\]/g, (character) => `\\${character}`);
}

/**
 * An answer as Markdown to paste elsewhere: each `[n]` becomes a footnote reference
 * `[^n]`, and the cited sources follow as GFM footnotes linking to the page (absolute,
 * so they work outside Quire). The same marker rule as the chips (linkCitations):
 * fenced code is left alone, and a marker that points at no source is dropped.
 */
export function answerAsMarkdown(text: string, sources: readonly ChatSource[], origin: string): string {
  const cited: number[] = [];
  const body = linkCitations(text, sources).replace(CHIP_LINK, (_match, digits: string) => {
    const index = Number(digits);
    if (!cited.includes(index)) cited.push(index);
    return `[^${index}]`;
  });
  const notes = cited.flatMap((index) => {
    const source = sources.find((candidate) => candidate.index === index);
    if (!source) return [];
    const label = escapeLabel(locationLabel(source, " › "));
    const href = safeHref(source.href);
    return [`[^${index}]: ${href === null ? label : `[${label}](${new URL(href, origin).href})`}`];
  });
  return notes.length === 0 ? body.trim() : `${body.trim()}\n\n${notes.join("\n")}\n`;
}
