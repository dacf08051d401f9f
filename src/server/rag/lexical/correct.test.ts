import { describe, expect, it } from "vitest";
import { chooseCorrection, editDistance, maxEdits, MIN_CORRECTABLE_LENGTH, needsCorrection } from "@/src/server/rag/lexical/correct";

const candidate = (term: string, df = 1) => ({ term, df });

describe("edit distance", () => {
  it("is 0 for equal strings and the length of the other for an empty one", () => {
    expect(editDistance("bucket", "bucket")).toBe(0);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("abc", "")).toBe(3);
    expect(editDistance("", "")).toBe(0);
  });

  it("counts one insertion, deletion, substitution or adjacent transposition as 1", () => {
    expect(editDistance("bucket", "buckets")).toBe(1);
    expect(editDistance("bucket", "buckt")).toBe(1);
    expect(editDistance("bucket", "bucker")).toBe(1);
    expect(editDistance("bukcet", "bucket")).toBe(1);
    expect(editDistance("qclinet", "qclient")).toBe(1);
  });

  it("adds up several edits", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("bukcet", "buckets")).toBe(2);
  });

  it("is the optimal string alignment distance: a transposed pair is not edited again", () => {
    // True Damerau–Levenshtein gives 2 (ca → ac → abc); OSA may not insert between the swapped letters.
    expect(editDistance("ca", "abc")).toBe(3);
  });

  it("is symmetric", () => {
    for (const [left, right] of [["kitten", "sitting"], ["ca", "abc"], ["bukcet", "bucket"], ["flaw", "lawn"]] as const) {
      expect(editDistance(left, right)).toBe(editDistance(right, left));
    }
  });

  it("returns limit + 1 once the distance exceeds the limit, and the exact distance within it", () => {
    expect(editDistance("kitten", "sitting", 1)).toBe(2);
    expect(editDistance("kitten", "sitting", 2)).toBe(3);
    expect(editDistance("kitten", "sitting", 3)).toBe(3);
    expect(editDistance("kitten", "sitting", 5)).toBe(3);
    expect(editDistance("abcd", "abcd", 0)).toBe(0);
    expect(editDistance("abcd", "abce", 0)).toBe(1);
  });

  it("stops at once when the lengths alone differ by more than the limit", () => {
    expect(editDistance("abcdef", "ab", 1)).toBe(2);
    expect(editDistance("abcdef", "ab")).toBe(4);
  });

  it("stops early when every alignment of a row is past the limit", () => {
    // Same length, so only the row check can stop it; the true distance is 8.
    expect(editDistance("aaaaaaaa", "bbbbbbbb")).toBe(8);
    expect(editDistance("aaaaaaaa", "bbbbbbbb", 2)).toBe(3);
  });

  it("counts code points, not UTF-16 units", () => {
    expect(editDistance("café", "cafe")).toBe(1);
    expect(editDistance("日本", "本日")).toBe(1);
    expect(editDistance("😀a", "a😀")).toBe(1);
    expect(editDistance("a😀", "a")).toBe(1);
  });

  // Bug: the early length check compares UTF-16 lengths (`left.length`) while the distance is over
  // code points, so deleting one astral character ("a😀" → "a", UTF-16 lengths 3 and 1) is refused at limit 1.
  it("counts code points in the early length check too", () => {
    expect(editDistance("a😀", "a", 1)).toBe(1);
  });
});

describe("edits allowed", () => {
  it("are none below MIN_CORRECTABLE_LENGTH, one up to 7 characters, two beyond", () => {
    expect(MIN_CORRECTABLE_LENGTH).toBe(4);
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 20].map(maxEdits)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2]);
  });
});

describe("choosing a correction", () => {
  it("picks the candidate within the allowed edits", () => {
    expect(chooseCorrection("bukcet", [candidate("bucket", 4)])).toEqual(candidate("bucket", 4));
    expect(chooseCorrection("qclinet", [candidate("sourdough"), candidate("qclient")])).toEqual(candidate("qclient"));
  });

  it("is null when nothing is close enough, or there are no candidates", () => {
    expect(chooseCorrection("sourdough", [candidate("source"), candidate("dough")])).toBeNull();
    expect(chooseCorrection("bukcet", [])).toBeNull();
    // Seven characters allow one edit only.
    expect(editDistance("qlcinet", "qclient")).toBe(2);
    expect(chooseCorrection("qlcinet", [candidate("qclient")])).toBeNull();
  });

  it("allows two edits beyond seven characters", () => {
    expect(chooseCorrection("confgiuration", [candidate("configuration")])).toEqual(candidate("configuration"));
    expect(chooseCorrection("cnofgiuration", [candidate("configuration")])).toEqual(candidate("configuration"));
    expect(chooseCorrection("cnofgiuratino", [candidate("configuration")])).toBeNull();
  });

  it("prefers fewer edits over a more common term", () => {
    expect(chooseCorrection("bukcet", [candidate("buckets", 100), candidate("bucket", 1)])).toEqual(candidate("bucket", 1));
  });

  it("prefers the more common term among equally close ones, whatever the order", () => {
    const candidates = [candidate("bucket", 2), candidate("socket", 9)];
    expect(chooseCorrection("bocket", candidates)).toEqual(candidate("socket", 9));
    expect(chooseCorrection("bocket", [...candidates].reverse())).toEqual(candidate("socket", 9));
  });

  it("breaks a tie of edits and df alphabetically, whatever the order", () => {
    const candidates = [candidate("socket", 3), candidate("bucket", 3)];
    expect(chooseCorrection("bocket", candidates)).toEqual(candidate("bucket", 3));
    expect(chooseCorrection("bocket", [...candidates].reverse())).toEqual(candidate("bucket", 3));
  });

  it("never corrects a short word, digits, or a term to itself", () => {
    expect(chooseCorrection("cat", [candidate("cart")])).toBeNull();
    expect(chooseCorrection("v2fix", [candidate("vfix")])).toBeNull();
    expect(chooseCorrection("1234", [candidate("1235")])).toBeNull();
    expect(chooseCorrection("bucket", [candidate("bucket", 9)])).toBeNull();
  });

  it("never proposes a candidate with digits", () => {
    expect(chooseCorrection("word", [candidate("wor2", 50)])).toBeNull();
    expect(chooseCorrection("word", [candidate("wor2", 50), candidate("ward", 1)])).toEqual(candidate("ward", 1));
  });

  it("corrects letters beyond ASCII", () => {
    expect(chooseCorrection("cafés", [candidate("cafes")])).toEqual(candidate("cafes"));
  });

  it("compares the word as typed with the stem plus an ending the stemmer removed", () => {
    // "change" is indexed as "chang"; the typo "chnage" is two edits from the stem but one
    // transposition from "chang" + "e".
    expect(editDistance("chnage", "chang")).toBe(2);
    expect(chooseCorrection("chnage", [candidate("chang", 3)])).toEqual(candidate("chang", 3));
    // The stemmed typo and the surface may differ: "instaling" → term "instal", surface "instaling".
    expect(chooseCorrection("instl", [candidate("instal")], "instaling")).toEqual(candidate("instal"));
  });

  it("compares the word as typed with the corpus's own spelling of a stem when it is known", () => {
    expect(chooseCorrection("chnage", [{ term: "chang", df: 3, word: "change" }])).toEqual({ term: "chang", df: 3, word: "change" });
    // With the spelling known, no ending is guessed: "qclinte" is two edits from "qclient".
    expect(chooseCorrection("qclinte", [{ term: "qclient", df: 3, word: "qclient" }])).toBeNull();
  });

  it("limits the edits by the index term's length, not the surface's", () => {
    // The surface "chnaginng" is two edits from "chang" + "ing"; a 9-character term allows that, a 7-character one does not.
    expect(editDistance("chnaginng", "changing")).toBe(2);
    expect(chooseCorrection("chnaginng", [candidate("chang")])).toEqual(candidate("chang"));
    expect(chooseCorrection("chnagin", [candidate("chang")], "chnaginng")).toBeNull();
  });
});

describe("whether a term needs a correction", () => {
  it("is true only for an unknown, long enough, letters-only term", () => {
    expect(needsCorrection("bukcet", 0)).toBe(true);
    expect(needsCorrection("cafés", 0)).toBe(true);
    expect(needsCorrection("bukcet", 1)).toBe(false);
    expect(needsCorrection("bkt", 0)).toBe(false);
    expect(needsCorrection("v2fix", 0)).toBe(false);
    expect(needsCorrection("data-dir", 0)).toBe(false);
  });
});
