import "server-only";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { env, EnvError } from "@/src/server/env";
import { log } from "@/src/server/log";
import { getStore } from "@/src/server/rag/store";
import { appConfigSchema } from "@/src/shared/app-config";

/** How many starter questions an empty chat shows when they come from the docs' titles. */
const FROM_TITLES = 4;
const TITLE_CACHE_MS = 5 * 60_000;

/**
 * Questions from QUIRE_STARTER_QUESTIONS (`|`-separated) or a file (one a line; blank
 * lines and `#` comments skipped). Each is trimmed and checked against the page contract
 * (1 to 300 characters, at most 8); a bad one throws EnvError naming the variable and
 * the position, so start-up says what to fix.
 */
export function parseStarterQuestions(text: string, source: "QUIRE_STARTER_QUESTIONS" | "QUIRE_STARTER_QUESTIONS_FILE"): string[] {
  const fromFile = source === "QUIRE_STARTER_QUESTIONS_FILE";
  const entries = (fromFile ? text.split(/\r?\n/) : text.split("|"))
    .map((entry, index) => ({ question: entry.trim(), position: index + 1 }))
    .filter(({ question }) => question !== "" && !(fromFile && question.startsWith("#")));
  const questions = [...new Set(entries.map(({ question }) => question))];
  // The page's own schema decides what a valid list is; its issues say which entry is wrong.
  const parsed = appConfigSchema.shape.starterQuestions.safeParse(questions);
  if (parsed.success) return parsed.data;
  const where = fromFile ? "line" : "question";
  throw new EnvError(
    parsed.error.issues.map((issue) => {
      const index = issue.path[0];
      const position = typeof index === "number" ? entries.find(({ question }) => question === questions[index])?.position : undefined;
      return `${source}: ${position === undefined ? "" : `${where} ${position}: `}${issue.message}`;
    }),
  );
}

const templates = [
  (title: string) => `What does “${title}” cover?`,
  (title: string) => `Give me an overview of ${title}.`,
  (title: string) => `What should I know about ${title}?`,
  (title: string) => `Summarise “${title}”.`,
];

/** Questions about the given document titles, phrased a few different ways; titles too long for a question are skipped. */
export function questionsFromTitles(titles: readonly string[]): string[] {
  const unique = [...new Set(titles.map((title) => title.trim()).filter((title) => title !== "" && title.length <= 120))];
  return unique.slice(0, FROM_TITLES).map((title, index) => templates[index % templates.length]?.(title) ?? title);
}

let fromTitles: { questions: Promise<string[]>; at: number } | undefined;

/** From the knowledge store, cached for a few minutes (an ingest may change the titles); none when it can't be read. */
function questionsFromStore(): Promise<string[]> {
  if (fromTitles && Date.now() - fromTitles.at < TITLE_CACHE_MS) return fromTitles.questions;
  const questions = (async () => {
    try {
      return questionsFromTitles(await (await getStore()).documentTitles(FROM_TITLES * 2));
    } catch (error) {
      log().warn({ err: error }, "starter questions: the index could not be read");
      return [];
    }
  })();
  fromTitles = { questions, at: Date.now() };
  return questions;
}

let configured: Promise<string[] | null> | undefined;

/** The operator's questions, read once: the variable, else the file, else null. */
export function configuredStarterQuestions(): Promise<string[] | null> {
  configured ??= (async () => {
    const current = env();
    if (current.QUIRE_STARTER_QUESTIONS !== undefined) return parseStarterQuestions(current.QUIRE_STARTER_QUESTIONS, "QUIRE_STARTER_QUESTIONS");
    const file = current.QUIRE_STARTER_QUESTIONS_FILE;
    if (file === undefined) return null;
    const text = await readFile(path.resolve(/*turbopackIgnore: true*/ file), "utf8").catch((error: unknown) => {
      throw new EnvError([`QUIRE_STARTER_QUESTIONS_FILE: ${error instanceof Error ? error.message : "cannot be read"}`]);
    });
    return parseStarterQuestions(text, "QUIRE_STARTER_QUESTIONS_FILE");
  })();
  return configured;
}

/** What an empty chat offers: the operator's questions, or some drawn from the docs' own titles. */
export async function starterQuestions(): Promise<string[]> {
  return (await configuredStarterQuestions()) ?? (await questionsFromStore());
}
