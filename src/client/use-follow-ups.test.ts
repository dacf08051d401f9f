import { describe, expect, it } from "vitest";
import type { QuireMessage } from "@/src/client/conversation-store";
import { followUpRequestFor } from "@/src/client/use-follow-ups";

function source(id: string, index: number) {
  const quire = { id, index, title: "Install", heading: "Linux", url: null, href: `/sources/${id}`, path: "install.md", snippet: "…" };
  return { type: "source-url" as const, sourceId: id, url: quire.href, providerMetadata: { quire } };
}

const question: QuireMessage = { id: "q1", role: "user", parts: [{ type: "text", text: " How do I install? " }] };
const answer: QuireMessage = {
  id: "a1",
  role: "assistant",
  parts: [source("11", 1), source("12", 2), { type: "text", text: "Unpack it [1]." }],
};

describe("followUpRequestFor", () => {
  it("sends the question before the answer, the answer's text and its source ids", () => {
    expect(followUpRequestFor(answer, [question, answer], { provider: "chutes", model: "m/x" })).toEqual({
      provider: "chutes",
      model: "m/x",
      question: "How do I install?",
      answer: "Unpack it [1].",
      sourceIds: ["11", "12"],
    });
    expect(followUpRequestFor(answer, [question, answer], { provider: "openrouter", model: null })).not.toHaveProperty("model");
  });

  it("asks nothing for an answer without sources, without text or without a question", () => {
    const bare: QuireMessage = { ...answer, parts: [{ type: "text", text: "Hello." }] };
    expect(followUpRequestFor(bare, [question, bare], { provider: "chutes", model: null })).toBeNull();
    const empty: QuireMessage = { ...answer, parts: [source("11", 1)] };
    expect(followUpRequestFor(empty, [question, empty], { provider: "chutes", model: null })).toBeNull();
    expect(followUpRequestFor(answer, [answer], { provider: "chutes", model: null })).toBeNull();
  });
});
