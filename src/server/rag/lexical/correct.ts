import "server-only";
/**
 * Typo tolerance: a question term that the corpus never uses is replaced by the
 * closest term it does use. The store proposes candidates by trigram similarity
 * (pg_trgm, indexed, the same SQL on PGlite and PostgreSQL); this module picks
 * one by edit distance, so "qclinet" → "qclient" and "bukcet" → "bucket", while
 * "sourdough" finds nothing close enough and stays unmatched.
 */

/** Letters, with their combining marks (Devanagari vowel signs, accents written apart). */
const LETTERS = /^[\p{L}\p{M}]+$/u;

/** Terms shorter than this are never corrected: too many real words sit one edit apart. */
export const MIN_CORRECTABLE_LENGTH = 4;

/** Edits allowed for a term of this length: one up to 7 characters, two beyond. */
export function maxEdits(length: number): number {
  if (length < MIN_CORRECTABLE_LENGTH) return 0;
  return length <= 7 ? 1 : 2;
}

/**
 * Optimal string alignment distance (Damerau–Levenshtein without repeated edits
 * of one substring): insertions, deletions, substitutions and adjacent
 * transpositions cost 1. Stops early and returns `limit + 1` past `limit`.
 */
export function editDistance(left: string, right: string, limit = Number.POSITIVE_INFINITY): number {
  const a = [...left];
  const b = [...right];
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previousPrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMinimum = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, previousPrevious[j - 2]! + 1);
      current.push(value);
      rowMinimum = Math.min(rowMinimum, value);
    }
    if (rowMinimum > limit) return limit + 1;
    previousPrevious = previous;
    previous = current;
  }
  return previous[b.length]!;
}

export interface CorrectionCandidate {
  term: string;
  /** Chunks that contain it. */
  df: number;
  /** The corpus's usual spelling of the term ("change" for "chang"), when known. */
  word?: string;
}

/**
 * Endings the stemmer removes ("change" → "chang", "installing" → "instal"):
 * a typo is stemmed unpredictably, so when the corpus's spelling of a stem is
 * not known, the word as typed is compared with the stem plus each ending.
 */
const STEM_ENDINGS = ["e", "s", "es", "ed", "ing", "er", "ion", "ions", "l", "y"];

/** Edits between what the user typed (`surface`, and its index term) and a corpus term (its stem, and its spelling). */
function distanceToCandidate(term: string, surface: string, candidate: CorrectionCandidate, limit: number): number {
  let best = Math.min(editDistance(term, candidate.term, limit), editDistance(surface, candidate.term, limit));
  if (candidate.word !== undefined) return Math.min(best, editDistance(surface, candidate.word, limit));
  for (const ending of STEM_ENDINGS) best = Math.min(best, editDistance(surface, candidate.term + ending, limit));
  return best;
}

/**
 * The corpus term that `term` (typed as `surface`) most likely meant: fewest
 * edits within `maxEdits`, then the most common, then alphabetical
 * (deterministic). Only letters are corrected: numbers and identifiers with
 * digits are never guessed.
 */
export function chooseCorrection(term: string, candidates: readonly CorrectionCandidate[], surface = term): CorrectionCandidate | null {
  const limit = maxEdits([...term].length);
  if (limit === 0 || !LETTERS.test(term)) return null;
  let best: { candidate: CorrectionCandidate; distance: number } | null = null;
  for (const candidate of candidates) {
    if (candidate.term === term || !LETTERS.test(candidate.term)) continue;
    const distance = distanceToCandidate(term, surface, candidate, limit);
    if (distance > limit) continue;
    const better =
      best === null ||
      distance < best.distance ||
      (distance === best.distance && (candidate.df > best.candidate.df || (candidate.df === best.candidate.df && candidate.term < best.candidate.term)));
    if (better) best = { candidate, distance };
  }
  return best?.candidate ?? null;
}

/** True when a question term should be looked up for a correction: letters only, long enough, unknown to the corpus. */
export function needsCorrection(term: string, df: number): boolean {
  return df === 0 && maxEdits([...term].length) > 0 && LETTERS.test(term);
}
