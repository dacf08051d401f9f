import "server-only";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

/**
 * A gold set: questions an operator expects the docs to answer, each with the
 * file(s) or URL(s) that answer it, plus optional off-topic questions the docs
 * should *not* claim to answer. Read from JSON or YAML by `quire eval` and by
 * the project's own evaluation (`npm run eval`). See docs/evaluating.md.
 */

const MAX_QUESTIONS = 5000;
const text = (max: number) => z.string().trim().min(1).max(max);

/** Where an answer lives: a path relative to the docs folder, or a URL with an optional `#anchor`. */
const expectationSchema = z.union([text(2000), z.array(text(2000)).min(1).max(50)]).transform((value) => (Array.isArray(value) ? value : [value]));

const splitSchema = z.enum(["dev", "test"]);

const questionSchema = z.object({
  id: text(200).optional(),
  question: text(4000),
  expect: expectationSchema,
  /** A label to report hit@5 by (natural, paraphrase, identifier, typo, keyword…). */
  kind: text(100).optional(),
  split: splitSchema.optional(),
  /** The user's previous question, for a follow-up ("and on Windows?"). */
  previous: text(4000).optional(),
  evidence: z.string().max(2000).optional(),
});

const offTopicSchema = z
  .union([text(4000), z.object({ id: text(200).optional(), question: text(4000), split: splitSchema.optional() })])
  .transform((value) => (typeof value === "string" ? { question: value } : value));

export const goldSetSchema = z.looseObject({
  name: z.string().max(200).optional(),
  questions: z.array(questionSchema).min(1).max(MAX_QUESTIONS),
  offTopic: z.array(offTopicSchema).max(MAX_QUESTIONS).default([]),
  followUps: z.array(questionSchema).max(MAX_QUESTIONS).default([]),
});

export type GoldSet = z.infer<typeof goldSetSchema>;
export type GoldQuestion = z.infer<typeof questionSchema>;
export type Split = z.infer<typeof splitSchema>;

export class GoldSetError extends Error {
  override name = "GoldSetError";
}

/** Parses a gold set from a file's text; YAML for `.yaml`/`.yml`, JSON otherwise. Errors name the item. */
export function parseGoldSet(source: string, fileName: string): GoldSet {
  let data: unknown;
  try {
    data = /\.ya?ml$/i.test(fileName) ? parseYaml(source) : JSON.parse(source);
  } catch (error) {
    throw new GoldSetError(`${fileName} is not valid ${/\.ya?ml$/i.test(fileName) ? "YAML" : "JSON"}: ${(error as Error).message}`);
  }
  const parsed = goldSetSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "(top level)";
    throw new GoldSetError(`${fileName}: ${where}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

/** Keeps one half of a split set; items without a split belong to both. */
export function selectSplit(set: GoldSet, split: Split | undefined): GoldSet {
  if (split === undefined) return set;
  const keep = (item: { split?: Split }) => item.split === undefined || item.split === split;
  return { ...set, questions: set.questions.filter(keep), offTopic: set.offTopic.filter(keep), followUps: set.followUps.filter(keep) };
}

/** A retrieved chunk as the matcher sees it. */
export interface RetrievedLocation {
  path: string;
  url: string | null;
}

function normalizePath(value: string): string {
  return value.replace(/\\/g, "/").replace(/^(\.\/)+/, "").replace(/^\/+/, "");
}

function parseUrl(value: string): URL | null {
  if (!/^https?:\/\//i.test(value)) return null;
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

function withoutTrailingSlash(url: URL): string {
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}${url.search}`;
}

/**
 * True when a retrieved chunk is one of the expected answers. A path matches
 * the chunk's file; a URL matches the chunk's URL, ignoring a trailing slash,
 * and its `#anchor` only when the expectation names one.
 */
export function matchesExpectation(location: RetrievedLocation, expected: string): boolean {
  const url = parseUrl(expected);
  if (url === null) return normalizePath(location.path) === normalizePath(expected);
  const found = location.url === null ? null : parseUrl(location.url);
  if (found === null) return false;
  if (withoutTrailingSlash(found) !== withoutTrailingSlash(url)) return false;
  return url.hash === "" || safeDecode(found.hash) === safeDecode(url.hash);
}

/** Percent-decodes an anchor; a stray `%` leaves it as written rather than throwing. */
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** 1-based rank of the first retrieved chunk that answers the question, or null when none does. */
export function firstRelevantRank(retrieved: readonly RetrievedLocation[], expected: readonly string[]): number | null {
  const index = retrieved.findIndex((location) => expected.some((answer) => matchesExpectation(location, answer)));
  return index === -1 ? null : index + 1;
}
