import { isRegexSpace } from "@/src/shared/regex-space";
import type { ChatSource } from "@/src/shared/sources";

/*
 * Citation markers, found by hand-written scans instead of the regexes they replace:
 *
 *   /(\s*)\[(\d{1,3})\](?!\()/g   quadratic: at every position of a whitespace run, `\s*`
 *                                 ran to the run's end before failing (40k spaces: ~3 s),
 *                                 and this runs on every streamed token of an answer.
 *
 * Why the scans below are linear: they only ever stop at a `[` (found by a native indexOf,
 * remembered so no character is searched twice), read at most 5 characters past it, and
 * look back over the whitespace before a marker only as far as the previous marker, so
 * each character is visited a bounded number of times. Fences are found with indexOf too.
 */

/** Where a citation chip's Markdown link points; the renderer turns such links into chips. */
export const CITE_PREFIX = "#quire-cite-";

/** Only the number of a source matters here; a full ChatSource fits too. */
type NumberedSource = Pick<ChatSource, "index">;

const FENCE = "```";
const CLOSE_BRACKET = 0x5d;
const OPEN_PAREN = 0x28;
const DIGIT_ZERO = 0x30;
const DIGIT_NINE = 0x39;
const MAX_DIGITS = 3;


/**
 * The index just past a `[n]` marker (1 to 3 ASCII digits, as `\[(\d{1,3})\]`) whose `[`
 * is at `open`, or -1. Nothing at or after `limit` belongs to the marker.
 */
function markerEnd(text: string, open: number, limit: number): number {
  let index = open + 1;
  while (index < limit && index - open <= MAX_DIGITS) {
    const code = text.charCodeAt(index);
    if (code < DIGIT_ZERO || code > DIGIT_NINE) break;
    index++;
  }
  // A fourth digit stands where `]` must: "[1234]" is no marker, as with the regex.
  if (index === open + 1 || index >= limit || text.charCodeAt(index) !== CLOSE_BRACKET) return -1;
  return index + 1;
}

/** Finds `[` in order with indexOf, remembering the last result so no stretch is searched twice. */
class Brackets {
  private next = -2;

  constructor(private readonly text: string) {}

  /** The first `[` at or after `from`, or -1. Calls must not go backwards. */
  from(from: number): number {
    if (this.next !== -1 && this.next < from) this.next = this.text.indexOf("[", from);
    return this.next;
  }
}

/** Pieces joined at a time: they die young, and only one string per batch lives on. */
const PIECES_PER_BATCH = 1_024;

/**
 * Collects the output's pieces. Why not `+=` or one join at the end: an answer with
 * 50,000 markers would hold 100,000 live strings, which the young-generation GC copies
 * at every scavenge, and time grows faster than the text. Joined 1,024 at a time, the
 * pieces die young and every character is still copied natively, twice at most.
 */
class Pieces {
  private readonly batches: string[] = [];
  private readonly batch: string[] = [];

  add(piece: string): void {
    if (piece === "") return;
    this.batch.push(piece);
    if (this.batch.length === PIECES_PER_BATCH) {
      this.batches.push(this.batch.join(""));
      this.batch.length = 0;
    }
  }

  result(): string {
    this.batches.push(this.batch.join(""));
    this.batch.length = 0;
    return this.batches.join("");
  }
}

/**
 * Links the markers of prose (text outside fences) between `from` and `to`; the same as
 * `.replace(/(\s*)\[(\d{1,3})\](?!\()/g, …)` on that stretch alone.
 */
function linkProse(text: string, from: number, to: number, known: ReadonlySet<number>, brackets: Brackets, out: Pieces): void {
  let copiedUpTo = from;
  let open = brackets.from(from);
  while (open !== -1 && open < to) {
    const end = markerEnd(text, open, to);
    // `[n](` is a Markdown link someone wrote, not a citation.
    if (end === -1 || (end < to && text.charCodeAt(end) === OPEN_PAREN)) {
      open = brackets.from(open + 1);
      continue;
    }
    // The regex's `\s*` took the whole run of whitespace before the marker, back to the previous match.
    let spaceStart = open;
    while (spaceStart > copiedUpTo && isRegexSpace(text.charCodeAt(spaceStart - 1))) spaceStart--;
    const digits = text.slice(open + 1, end - 1);
    // A marker that points at no source is dropped with its space ("docs [9]." → "docs.").
    if (known.has(Number(digits))) out.add(`${text.slice(copiedUpTo, open)}[${digits}](${CITE_PREFIX}${digits})`);
    else out.add(text.slice(copiedUpTo, spaceStart));
    copiedUpTo = end;
    open = brackets.from(end);
  }
  out.add(text.slice(copiedUpTo, to));
}

/**
 * Turns `[n]` into a Markdown link the renderer shows as a chip; a marker that
 * points at no source is dropped, with the space before it ("docs [9]." → "docs.").
 * Fenced code is left exactly as written, an unclosed fence running to the end (as
 * while it streams). Linear in the length of the text: it runs on every streamed token.
 */
export function linkCitations(text: string, sources: readonly NumberedSource[]): string {
  const known = new Set(sources.map((source) => source.index));
  const brackets = new Brackets(text);
  const out = new Pieces();
  let position = 0;
  while (position < text.length) {
    // Same split as /(```[\s\S]*?(?:```|$))/g: a fence runs from ``` to the next ``` or the end.
    const fenceStart = text.indexOf(FENCE, position);
    if (fenceStart === -1) {
      linkProse(text, position, text.length, known, brackets, out);
      break;
    }
    linkProse(text, position, fenceStart, known, brackets, out);
    const close = text.indexOf(FENCE, fenceStart + FENCE.length);
    const fenceEnd = close === -1 ? text.length : close + FENCE.length;
    out.add(text.slice(fenceStart, fenceEnd));
    position = fenceEnd;
  }
  return out.result();
}

/**
 * The `[n]` markers a text cites, in order of first appearance, limited to known sources.
 * Like before, the whole text is read, fenced code and `[n](` included.
 */
export function citedIndexes(text: string, sources: readonly NumberedSource[]): number[] {
  const known = new Set(sources.map((source) => source.index));
  const seen = new Set<number>();
  const cited: number[] = [];
  let open = text.indexOf("[");
  while (open !== -1) {
    const end = markerEnd(text, open, text.length);
    if (end !== -1) {
      const index = Number(text.slice(open + 1, end - 1));
      if (known.has(index) && !seen.has(index)) {
        seen.add(index);
        cited.push(index);
      }
    }
    open = text.indexOf("[", open + 1);
  }
  return cited;
}
