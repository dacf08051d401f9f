import "server-only";
import { isRegexSpace } from "@/src/shared/regex-space";

const SNIPPET_CHARS = 280;

/*
 * Why this file exists: the previous makeSnippet was a chain of regexes, three of
 * which backtrack super-linearly on text that any docs folder may contain:
 *
 *   /^\s*>\s?/gm                          quadratic: every line start inside a run of
 *                                         blank lines rescans the whole run (\s spans \n).
 *   /^\s*\|?[\s:|-]*-{3,}[\s:|-]*$/gm     cubic: three overlapping quantifiers over `-`,
 *                                         retried at every line start (10k blank lines: 12 minutes).
 *   /\[([^\]]*)\]\([^)]*\)/g              quadratic: every `[` scans to the next `]`.
 *
 * Each of them is replaced by a single forward scan that produces exactly the
 * same string (snippet.test.ts checks it against the old regexes on random
 * inputs); the remaining regexes cannot backtrack (see the comments at their use).
 * The last two replaces (marks, then runs of spaces) are one scan that stops at the
 * snippet's length: building a 1 MB string out of 500,000 pieces only to keep 280
 * characters cost more than all the rest, and grew faster than linearly (GC).
 * The scanners are exported so that test can compare each with its regexes alone.
 */


/** Where a multiline `^` may match after, and a multiline `$` before. */
function isLineTerminator(code: number): boolean {
  return code === 0x0a || code === 0x0d || code === 0x2028 || code === 0x2029;
}

function isLineStart(text: string, index: number): boolean {
  return index === 0 || isLineTerminator(text.charCodeAt(index - 1));
}

const GREATER_THAN = 0x3e;
const DASH = 0x2d;
const COLON = 0x3a;
const PIPE = 0x7c;

/** `[\s:|-]`: the characters of a Markdown table's delimiter row (and of a thematic break). */
function isDelimiterRowChar(code: number): boolean {
  return code === DASH || code === COLON || code === PIPE || isRegexSpace(code);
}

/** Kept pieces joined at a time: they die young, and only one string per batch lives on. */
const PIECES_PER_BATCH = 1_024;

/**
 * What remains of a text once the ranges a scan found (in order, disjoint) are removed.
 *
 * Why not one join of all the slices: a text with 300,000 matches would hold 300,000 live
 * heap strings, which the young-generation GC copies again at every scavenge, so time grew
 * by ~3x per doubling of the input although the scan is linear. Joined 1,024 at a time,
 * the slices die young (free for the GC) and only one string per batch stays alive; every
 * character is still copied natively, twice at most.
 */
class Removals {
  private readonly bounds: number[] = [];

  constructor(private readonly text: string) {}

  remove(from: number, to: number): void {
    if (to > from) this.bounds.push(from, to);
  }

  result(): string {
    const { text, bounds } = this;
    if (bounds.length === 0) return text;
    const batches: string[] = [];
    const batch: string[] = [];
    let keptFrom = 0;
    for (let index = 0; index <= bounds.length; index += 2) {
      const keptTo = index < bounds.length ? bounds[index]! : text.length;
      if (keptTo > keptFrom) batch.push(text.slice(keptFrom, keptTo));
      if (batch.length === PIECES_PER_BATCH) {
        batches.push(batch.join(""));
        batch.length = 0;
      }
      keptFrom = index < bounds.length ? bounds[index + 1]! : text.length;
    }
    batches.push(batch.join(""));
    return batches.join("");
  }
}

const LINE_TERMINATORS = ["\n", "\r", "\u2028", "\u2029"] as const;

/**
 * Finds line starts with a native indexOf per kind of line terminator. Each kind's
 * next position is remembered: while the scan has not passed it, it is still the next
 * one, so each terminator kind searches every character at most once (and, unlike a
 * regex exec, a lookup allocates nothing).
 */
class LineStarts {
  private readonly next: number[] = LINE_TERMINATORS.map(() => -2);

  constructor(private readonly text: string) {}

  /** The start of the first line beginning after `from` (a line starting at `from` itself excluded), or -1. */
  after(from: number): number {
    let nearest = -1;
    for (let kind = 0; kind < LINE_TERMINATORS.length; kind++) {
      let position = this.next[kind]!;
      if (position !== -1 && position < from) {
        position = this.text.indexOf(LINE_TERMINATORS[kind]!, from);
        this.next[kind] = position;
      }
      if (position !== -1 && (nearest === -1 || position < nearest)) nearest = position;
    }
    return nearest === -1 ? -1 : nearest + 1;
  }
}

/**
 * Same output as `text.replace(/^\s*>\s?/gm, "")`: a blockquote mark, with the
 * whitespace before it (which may span blank lines) and one space after.
 *
 * `\s*` can only succeed at its longest (a shorter run leaves a space where `>` must be),
 * so a line start needs one scan of its whitespace run. When the run is not followed by
 * `>`, every line start inside it has the same run end and fails the same way, so the
 * scan resumes after the run: each character is looked at once, hence linear.
 */
export function stripQuoteMarks(text: string): string {
  const removals = new Removals(text);
  const lines = new LineStarts(text);
  let lineStart = 0;
  while (lineStart !== -1 && lineStart < text.length) {
    let runEnd = lineStart;
    while (runEnd < text.length && isRegexSpace(text.charCodeAt(runEnd))) runEnd++;
    if (text.charCodeAt(runEnd) !== GREATER_THAN) {
      lineStart = lines.after(runEnd);
      continue;
    }
    let end = runEnd + 1;
    if (end < text.length && isRegexSpace(text.charCodeAt(end))) end++;
    removals.remove(lineStart, end);
    // The space after `>` may have been a line end: then the match ends at a line start.
    lineStart = isLineStart(text, end) ? end : lines.after(end);
  }
  return removals.result();
}

/**
 * Same output as `text.replace(/^\s*\|?[\s:|-]*-{3,}[\s:|-]*$/gm, "")`: a table's
 * delimiter row, or a thematic break, is removed.
 *
 * What the regex does, worked out once so it need not be searched for: from a line
 * start p, every part of the pattern matches only `[\s:|-]` characters, so a match lies
 * inside the run [p, r) of those characters. The last `[\s:|-]*` is greedy and gives
 * back characters until `$` holds, so whichever split the earlier parts settle on, the
 * match ends at the last `$` position in [p, r]: r itself at the end of the text (text[r]
 * is otherwise not a line terminator, those being in `\s`), else the last line terminator
 * inside the run. A match exists iff some `---` lies wholly before that end. So each line
 * start costs one scan of its run, and a run that fails is skipped whole: a later line
 * start inside it sees the same end or none, and no earlier `---`. A run is scanned at
 * most twice (once more from the line after a match), hence linear.
 */
export function stripDelimiterRows(text: string): string {
  const removals = new Removals(text);
  const lines = new LineStarts(text);
  let lineStart = 0;
  while (lineStart !== -1 && lineStart < text.length) {
    let runEnd = lineStart;
    let dashes = 0;
    let firstTripleEnd = -1;
    let lastLineTerminator = -1;
    while (runEnd < text.length) {
      const code = text.charCodeAt(runEnd);
      if (!isDelimiterRowChar(code)) break;
      dashes = code === DASH ? dashes + 1 : 0;
      if (dashes === 3 && firstTripleEnd === -1) firstTripleEnd = runEnd + 1;
      if (isLineTerminator(code)) lastLineTerminator = runEnd;
      runEnd++;
    }
    const matchEnd = runEnd === text.length ? runEnd : lastLineTerminator;
    if (firstTripleEnd === -1 || matchEnd === -1 || firstTripleEnd > matchEnd) {
      lineStart = lines.after(runEnd);
      continue;
    }
    removals.remove(lineStart, matchEnd);
    // The match stops just before a line terminator (or at the end): the next line starts after it.
    lineStart = matchEnd + 1;
  }
  return removals.result();
}

/**
 * Same output as `text.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")`: a link keeps its text.
 *
 * Linear: the next `]` and the next `)` are remembered; while the scan stays before
 * them they are still the next ones, so every character is searched past at most once
 * for each. With no `]` (or no `)`) left, no later `[` can start a link either.
 */
export function unwrapLinks(text: string): string {
  const removals = new Removals(text);
  let nextBracket = -1;
  let nextParen = -1;
  let open = text.indexOf("[");
  while (open !== -1) {
    if (nextBracket < open + 1) nextBracket = text.indexOf("]", open + 1);
    if (nextBracket === -1) break;
    if (text[nextBracket + 1] !== "(") {
      open = text.indexOf("[", open + 1);
      continue;
    }
    if (nextParen < nextBracket + 2) nextParen = text.indexOf(")", nextBracket + 2);
    if (nextParen === -1) break;
    // The link's text stays; `[` and `](…)` go.
    removals.remove(open, open + 1);
    removals.remove(nextBracket, nextParen + 1);
    open = text.indexOf("[", nextParen + 1);
  }
  return removals.result();
}

const UNDERSCORE = 0x5f;
const STAR = 0x2a;
const BACKTICK = 0x60;

/**
 * Same output as `text.replace(/\*\*|__|[*`|]/g, " ").replace(/\s+/g, " ").trim().slice(0, limit)`:
 * emphasis, code and table marks become spaces and each run of spaces one space. The
 * output is final as soon as it is written (a space is only written once a character
 * follows it), so the scan stops after `limit` characters: the snippet needs no more,
 * and a long chunk is not copied whole only to be cut.
 */
export function collapseMarks(text: string, limit: number): string {
  let out = "";
  let pendingSpace = false;
  let index = 0;
  while (index < text.length && out.length < limit) {
    const code = text.charCodeAt(index);
    // `__` is matched left to right like the regex did: in `___` the first two pair up, the third stays.
    if (code === UNDERSCORE && text.charCodeAt(index + 1) === UNDERSCORE) {
      pendingSpace = true;
      index += 2;
      continue;
    }
    if (code === STAR || code === BACKTICK || code === PIPE || isRegexSpace(code)) {
      pendingSpace = true;
      index++;
      continue;
    }
    if (pendingSpace && out !== "") out += " ";
    pendingSpace = false;
    out += text[index];
    index++;
  }
  // The space written before the last character may have reached the limit already.
  return out.slice(0, limit);
}

/**
 * A short plain-text preview: the heading line and Markdown marks dropped (underscores
 * kept: they are in names), cut at a word. Linear in the length of the text.
 */
export function makeSnippet(text: string): string {
  // Anchored at the start of the text (no `m` flag), so tried once; `[^\n]*` and `\n+` cannot overlap.
  const withoutHeading = text.replace(/^ {0,3}#{1,6}[ \t][^\n]*\n+/, "");
  // A fence line: `[^\n]*` stops at the line's end and `\n?` never fails, so no backtracking.
  const withoutFences = withoutHeading.replace(/```[^\n]*\n?/g, "");
  // One character more than fits tells whether the text had to be cut.
  const plain = collapseMarks(unwrapLinks(stripDelimiterRows(stripQuoteMarks(withoutFences))), SNIPPET_CHARS + 1);
  if (plain.length <= SNIPPET_CHARS) return plain;
  const cut = plain.slice(0, SNIPPET_CHARS);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(" "), SNIPPET_CHARS / 2))}…`;
}
