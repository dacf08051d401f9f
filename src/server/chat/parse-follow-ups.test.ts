import { describe, expect, it } from "vitest";
import { parseFollowUps } from "@/src/server/chat/parse-follow-ups";

const ASKED = "How do I install Quire?";

describe("parseFollowUps", () => {
  it("reads a JSON array, fenced or with prose around it", () => {
    expect(parseFollowUps({ text: '["How do I upgrade?", "What does quire serve need?"]' }, ASKED)).toEqual([
      "How do I upgrade?",
      "What does quire serve need?",
    ]);
    const fenced = 'Sure! Here they are:\n```json\n[\n  "How do I upgrade?",\n  "Where are the logs?"\n]\n```';
    expect(parseFollowUps({ text: fenced }, ASKED)).toEqual(["How do I upgrade?", "Where are the logs?"]);
  });

  it("reads the object form and arrays of objects", () => {
    expect(parseFollowUps({ text: '{"questions": ["How do I upgrade?"]}' }, ASKED)).toEqual(["How do I upgrade?"]);
    expect(parseFollowUps({ text: '[{"question": "How do I upgrade?"}, {"q": 1}]' }, ASKED)).toEqual(["How do I upgrade?"]);
  });

  it("keeps the complete strings of an array cut off by the token limit", () => {
    expect(parseFollowUps({ text: '["How do I upgrade?", "Where are the logs?", "What is an ep' }, ASKED)).toEqual([
      "How do I upgrade?",
      "Where are the logs?",
    ]);
  });

  it("reads numbered and bulleted lines, dropping headings, prose, numbering, quotes and emphasis", () => {
    const text = [
      "Here are some follow-up questions:",
      "1. \"How do I upgrade Quire?\"",
      "2) **Which glibc version is needed?**",
      "- “Where does quire serve listen” ",
      "* Can I run it in Docker? [1]",
      "I hope these help.",
    ].join("\n");
    expect(parseFollowUps({ text }, ASKED)).toEqual([
      "How do I upgrade Quire?",
      "Which glibc version is needed?",
      "Where does quire serve listen",
    ]);
  });

  it("accepts unnumbered lines only when they are questions, in any script", () => {
    expect(parseFollowUps({ text: "Wie aktualisiere ich Quire?\nDas ist alles.\n如何升级？" }, ASKED)).toEqual(["Wie aktualisiere ich Quire?", "如何升级？"]);
  });

  it("dedupes, drops the question that was asked, and caps at three", () => {
    const text = JSON.stringify(["how do I install quire", "How do I upgrade?", "how do i upgrade", "A?", "B one?", "C two?", "D three?"]);
    expect(parseFollowUps({ text }, ASKED)).toEqual(["How do I upgrade?", "B one?", "C two?"]);
  });

  it("drops questions that are too long rather than cutting them", () => {
    const long = `${"very ".repeat(60)}long?`;
    expect(parseFollowUps({ text: JSON.stringify([long, "Short one?"]) }, ASKED)).toEqual(["Short one?"]);
  });

  it("ignores citation brackets in prose: a plain answer yields nothing", () => {
    const prose = 'Based on the documentation [1], here is what I found about "How do I install". The section explains it [1].';
    expect(parseFollowUps({ text: prose }, ASKED)).toEqual([]);
    expect(parseFollowUps({ text: "" }, ASKED)).toEqual([]);
  });

  it("skips a <think> block in the content", () => {
    expect(parseFollowUps({ text: "<think>Maybe: What is X?</think>\n1. How do I upgrade?" }, ASKED)).toEqual(["How do I upgrade?"]);
  });

  it("falls back to the questions in the reasoning text when the content is empty", () => {
    const reasoning = "The user installed Quire. Good follow-ups:\n1. How do I upgrade Quire?\n2. Which port does it use?\nI will list them.";
    expect(parseFollowUps({ text: "", reasoning }, ASKED)).toEqual(["How do I upgrade Quire?", "Which port does it use?"]);
    expect(parseFollowUps({ text: "1. From the content?", reasoning }, ASKED)).toEqual(["From the content?"]);
  });
});
