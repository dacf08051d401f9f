import "server-only";
/**
 * Splits a Markdown body into sections at ATX headings (`#` … `######`),
 * ignoring `#` lines inside code fences, and keeps the heading path of each.
 */

export interface Section {
  /** Heading texts from the outermost level down, e.g. ["Guide", "Install", "Linux"]. */
  headingPath: string[];
  /** The heading's explicit `{#id}` when it has one, else its GitHub-style anchor; null before the first heading. */
  anchor: string | null;
  /** The section's Markdown, starting with its heading line. */
  text: string;
}

const headingPattern = /^ {0,3}(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$/;
/** A trailing explicit anchor, `## Install {#setup}` (Pandoc, kramdown, Docusaurus, and the website materialiser write it). */
const explicitAnchorPattern = /[ \t]+\{#([^\s{}]+)\}$/;
const fenceOpenPattern = /^[ \t]*(`{3,}|~{3,})/;

/** Tracks whether a line opens or closes a fenced code block (CommonMark rules, simplified). */
export class FenceTracker {
  private open: { marker: string; length: number } | null = null;

  get inside(): boolean {
    return this.open !== null;
  }

  /** Feeds one line; returns true when the line is a fence delimiter. */
  feed(line: string): boolean {
    const match = fenceOpenPattern.exec(line);
    if (!match) return false;
    const run = match[1]!;
    if (this.open === null) {
      this.open = { marker: run[0]!, length: run.length };
      return true;
    }
    if (run[0] === this.open.marker && run.length >= this.open.length && line.trim() === run) {
      this.open = null;
      return true;
    }
    return false;
  }
}

/** Heading text without inline Markdown: links keep their label, code and emphasis marks go. */
export function plainHeading(raw: string): string {
  return raw
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[`*_]/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** GitHub/Docusaurus-style slug: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function slugify(heading: string, seen: Map<string, number>): string {
  const base = heading
    .toLowerCase()
    .normalize("NFKC")
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .trim()
    .replace(/\s/g, "-");
  const count = seen.get(base) ?? 0;
  seen.set(base, count + 1);
  return count === 0 ? base : `${base}-${count}`;
}

/** An explicit anchor is the page's real one, kept as written; it is counted so a later slug of the same text is numbered past it. */
function claim(anchor: string, seen: Map<string, number>): string {
  seen.set(anchor, (seen.get(anchor) ?? 0) + 1);
  return anchor;
}

/** The body's sections in order; text before the first heading forms a section with an empty path. */
export function splitSections(body: string): Section[] {
  const sections: Section[] = [];
  const fences = new FenceTracker();
  const slugs = new Map<string, number>();
  const stack: { level: number; text: string }[] = [];
  let current: Section = { headingPath: [], anchor: null, text: "" };
  const lines: string[] = [];
  const flush = (): void => {
    current.text = lines.join("\n");
    if (current.text.trim() !== "") sections.push(current);
    lines.length = 0;
  };
  for (const line of body.split("\n")) {
    const isFence = fences.feed(line);
    const heading = !isFence && !fences.inside ? headingPattern.exec(line) : null;
    if (heading) {
      flush();
      const level = heading[1]!.length;
      const explicit = explicitAnchorPattern.exec(heading[2]!);
      const text = plainHeading(explicit ? heading[2]!.slice(0, explicit.index) : heading[2]!);
      while (stack.length > 0 && stack.at(-1)!.level >= level) stack.pop();
      stack.push({ level, text });
      current = { headingPath: stack.map((entry) => entry.text), anchor: explicit ? claim(explicit[1]!, slugs) : slugify(text, slugs), text: "" };
    }
    lines.push(line);
  }
  flush();
  return sections;
}
