import { describe, expect, it } from "vitest";
import { followUpTerms, preferFollowUpTerms } from "@/src/server/rag/retrieve/follow-up";

const turn = (role: "user" | "assistant", text: string) => ({ role, text });

describe("what a follow-up adds", () => {
  it("is the follow-up's own words, minus the previous question's", () => {
    const messages = [turn("user", "How do I install Quire on Linux?"), turn("assistant", "Use the tarball [1]."), turn("user", "and on Windows?")];
    expect(followUpTerms(messages)).toEqual(["windows"]);
  });

  it("is nothing for a question that stands alone, or a first question", () => {
    expect(followUpTerms([turn("user", "How do I install Quire on Linux?"), turn("user", "What are staking rewards?")])).toEqual([]);
    expect(followUpTerms([turn("user", "and on Windows?")])).toEqual([]);
  });

  it("puts candidates that mention it first, keeping the order otherwise", () => {
    const chunk = (id: string, text: string) => ({ id, title: "Install", heading: "Install", text });
    const ranked = [chunk("linux", "Linux: unpack the tarball"), chunk("mac", "macOS: use brew"), chunk("win", "Windows: run the MSI")];
    expect(preferFollowUpTerms(ranked, ["windows"]).map((candidate) => candidate.id)).toEqual(["win", "linux", "mac"]);
    expect(preferFollowUpTerms(ranked, []).map((candidate) => candidate.id)).toEqual(["linux", "mac", "win"]);
  });
});
