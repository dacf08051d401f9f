import { describe, expect, it } from "vitest";
import { EnvError } from "@/src/server/env";
import { parseStarterQuestions, questionsFromTitles } from "@/src/server/starter-questions";

describe("parseStarterQuestions", () => {
  it("splits the variable on |, trims, drops empty entries and repeats", () => {
    expect(parseStarterQuestions(" How do I install it? | |What is BM25F?|How do I install it?", "QUIRE_STARTER_QUESTIONS")).toEqual([
      "How do I install it?",
      "What is BM25F?",
    ]);
  });

  it("reads a file one question a line, skipping blank lines and # comments", () => {
    const file = "# Starter questions\r\nHow do I connect Chutes?\n\n  Which models can I use?  \n";
    expect(parseStarterQuestions(file, "QUIRE_STARTER_QUESTIONS_FILE")).toEqual(["How do I connect Chutes?", "Which models can I use?"]);
  });

  it("names the variable and the line of a question that is too long", () => {
    const file = `Short one?\n\n${"x".repeat(301)}\n`;
    const error = (() => {
      try {
        parseStarterQuestions(file, "QUIRE_STARTER_QUESTIONS_FILE");
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(EnvError);
    expect((error as EnvError).issues).toEqual([expect.stringMatching(/^QUIRE_STARTER_QUESTIONS_FILE: line 3: .*300/)]);
  });

  it("refuses more than eight", () => {
    const many = Array.from({ length: 9 }, (_, index) => `Question ${index + 1}?`).join("|");
    expect(() => parseStarterQuestions(many, "QUIRE_STARTER_QUESTIONS")).toThrow(/QUIRE_STARTER_QUESTIONS: .*8/);
  });
});

describe("questionsFromTitles", () => {
  it("asks about four distinct titles, phrased differently", () => {
    const questions = questionsFromTitles(["Getting started", "Providers", "Getting started", "", "Configuration", "Evaluating", "Ingesting"]);
    expect(questions).toEqual([
      "What does “Getting started” cover?",
      "Give me an overview of Providers.",
      "What should I know about Configuration?",
      "Summarise “Evaluating”.",
    ]);
  });

  it("skips titles too long to ask about, and has nothing for an empty index", () => {
    expect(questionsFromTitles(["t".repeat(121), "Short"])).toEqual(["What does “Short” cover?"]);
    expect(questionsFromTitles([])).toEqual([]);
  });
});
