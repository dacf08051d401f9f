import "server-only";
import { stemmer } from "stemmer";
import { FenceTracker } from "@/src/server/rag/chunk/markdown-sections";

/**
 * The lexical analyzer of the full-text index: one function turns a chunk's
 * fields and a question into the same terms, so what ingest writes and what
 * search looks up always agree. It runs in the app (not in SQL) so PGlite and
 * PostgreSQL index identically and the rules are unit-testable:
 *
 * - words are lower-cased, NFKC-normalised, stop words dropped, and English
 *   words Porter-stemmed ("installing" → "instal");
 * - identifiers match whole and in parts: `dataWorkerCount` gives the term
 *   `dataworkercount` and the parts `data`, `worker`, `count`; `q-world-1`,
 *   `config.yml`, `/usr/local/bin` and `2.1.0` likewise; a flag `--core` also
 *   gives `--core` itself.
 */

/** Bump whenever the terms a text produces change: stored postings are then rebuilt from the chunks. */
export const ANALYZER_VERSION = 1;

const STOP_WORDS = new Set(
  (
    "a about above after again against all am an and any are as at be because been before being below between both but by " +
    "can could did do does doing down during each few for from further had has have having he her here hers herself him " +
    "himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other " +
    "our ours ourselves out over own same she should so some such than that the their theirs them themselves then there " +
    "these they this those through to too under until up very was we were what when where which while who whom why will " +
    "with would you your yours yourself yourselves also else please s t ll re ve d m get got let lets via etc e g ie eg"
  ).split(" "),
);

/** A run of letters/digits joined by `.`, `_`, `-` or `/` (an identifier, path, host or version), optionally led by dashes. */
const TOKEN = /(-{1,2})?([\p{L}\p{M}\p{N}]+(?:[._\-/][\p{L}\p{M}\p{N}]+)*)/gu;
const SEPARATORS = /[._\-/]+/u;
/** camelCase and PascalCase boundaries: `dataWorker` → `data|Worker`, `HTTPServer` → `HTTP|Server`. */
const CAMEL_BOUNDARY = /(?<=\p{Ll})(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})/u;
const ASCII_WORD = /^[a-z]+$/;
const DIGITS = /^\p{N}+$/u;

export function isStopWord(word: string): boolean {
  return STOP_WORDS.has(word);
}

/** The index term of one simple word: stemmed when it is an English-looking word, as-is otherwise. */
export function normalizeWord(word: string): string {
  const lower = word.toLowerCase();
  return ASCII_WORD.test(lower) && lower.length > 2 ? stemmer(lower) : lower;
}

function keepPart(part: string): boolean {
  if (part.length === 0 || isStopWord(part)) return false;
  // A lone letter says nothing; a lone digit is kept only as a word of its own ("step 2").
  return part.length > 1;
}

export interface AnalyzedToken {
  /** The index term. */
  term: string;
  /** The text as written (lower-cased), for typo correction and explanations. */
  surface: string;
  /** True for the parts of a compound identifier (they weigh less in a question than the whole). */
  part: boolean;
}

/** Every term of a text, in order, with repeats (term frequency is their count). */
export function analyze(text: string): AnalyzedToken[] {
  const tokens: AnalyzedToken[] = [];
  const normalized = text.normalize("NFKC");
  for (const match of normalized.matchAll(TOKEN)) {
    const dashes = match[1] ?? "";
    const core = match[2] ?? "";
    const pieces = core.split(SEPARATORS).flatMap((piece) => piece.split(CAMEL_BOUNDARY));
    const lowerCore = core.toLowerCase();
    // A flag is a word led by dashes at a word boundary ("--core", "-v"), not "re-use" or "cache--read-only".
    const isFlag = dashes !== "" && (match.index === 0 || /[\s("'`[=]/u.test(normalized[match.index - 1] ?? ""));
    if (pieces.length === 1) {
      if (isFlag && /\p{L}/u.test(lowerCore)) tokens.push({ term: `${dashes}${lowerCore}`, surface: `${dashes}${lowerCore}`, part: false });
      if (isStopWord(lowerCore) || (lowerCore.length < 2 && !DIGITS.test(lowerCore))) continue;
      tokens.push({ term: normalizeWord(lowerCore), surface: lowerCore, part: false });
      continue;
    }
    tokens.push({ term: lowerCore, surface: lowerCore, part: false });
    if (isFlag) tokens.push({ term: `${dashes}${lowerCore}`, surface: `${dashes}${lowerCore}`, part: false });
    for (const piece of pieces) {
      const lower = piece.toLowerCase();
      if (keepPart(lower)) tokens.push({ term: normalizeWord(lower), surface: lower, part: true });
    }
  }
  return tokens;
}

/** Term frequencies of one chunk, per field. */
export interface FieldFrequencies {
  title: number;
  heading: number;
  body: number;
}

export interface AnalyzedChunk {
  terms: Map<string, FieldFrequencies>;
  /** The word as written for each term (its first occurrence, lower-cased): what a typo is corrected to. */
  surfaces: Map<string, string>;
  /** Number of body terms (with repeats): BM25's document length. */
  bodyLength: number;
}

/** The postings of one chunk: each term's frequency in its title, heading path and body. */
export function analyzeChunk(chunk: { title: string; heading: string; text: string }): AnalyzedChunk {
  const terms = new Map<string, FieldFrequencies>();
  const surfaces = new Map<string, string>();
  const count = (text: string, field: keyof FieldFrequencies): number => {
    const tokens = analyze(text);
    for (const token of tokens) {
      if (!surfaces.has(token.term)) surfaces.set(token.term, token.surface);
      const entry = terms.get(token.term) ?? { title: 0, heading: 0, body: 0 };
      entry[field] += 1;
      terms.set(token.term, entry);
    }
    return tokens.length;
  };
  count(chunk.title, "title");
  // The heading path repeats the page title as its first element; counting it again would double the title's weight.
  count(headingWithoutTitle(chunk), "heading");
  // Short sections are merged into one chunk, so the headings of the merged sections sit in its text: they count as headings.
  const { headings, body } = splitHeadingLines(chunk.text);
  count(headings.join("\n"), "heading");
  const bodyLength = count(body, "body");
  return { terms, surfaces, bodyLength };
}

const HEADING_LINE = /^ {0,3}#{1,6}[ \t]+(.*?)[ \t#]*$/;

/** Markdown ATX heading lines of a chunk's text (outside code fences), and the text without them. */
export function splitHeadingLines(text: string): { headings: string[]; body: string } {
  const headings: string[] = [];
  const body: string[] = [];
  const fences = new FenceTracker();
  for (const line of text.split("\n")) {
    const isFence = fences.feed(line);
    const heading = !isFence && !fences.inside ? HEADING_LINE.exec(line) : null;
    if (heading) headings.push(heading[1] ?? "");
    else body.push(line);
  }
  return { headings, body: body.join("\n") };
}

function headingWithoutTitle(chunk: { title: string; heading: string }): string {
  const [first, ...rest] = chunk.heading.split(" > ");
  return first?.trim().toLowerCase() === chunk.title.trim().toLowerCase() ? rest.join(" > ") : chunk.heading;
}

/** One distinct term of a question. */
export interface QueryTerm {
  term: string;
  surface: string;
  /** Relative weight in the score: 1 for a word or a whole identifier, less for an identifier's parts. */
  weight: number;
}

/** Weight of an identifier's parts relative to the whole, so `dataWorkerCount` prefers chunks that say it whole. */
export const PART_WEIGHT = 0.5;
/** Questions longer than this many distinct terms keep the first ones (a pasted log should not scan the index). */
export const MAX_QUERY_TERMS = 32;

/** The distinct terms of a question, in order of first appearance; a term seen whole keeps weight 1. */
export function analyzeQuery(question: string): QueryTerm[] {
  const byTerm = new Map<string, QueryTerm>();
  for (const token of analyze(question)) {
    const weight = token.part ? PART_WEIGHT : 1;
    const existing = byTerm.get(token.term);
    if (existing) existing.weight = Math.max(existing.weight, weight);
    else byTerm.set(token.term, { term: token.term, surface: token.surface, weight });
  }
  return [...byTerm.values()].slice(0, MAX_QUERY_TERMS);
}
