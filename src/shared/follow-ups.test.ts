import { describe, expect, it } from "vitest";
import { FOLLOW_UP_LIMITS, followUpRequestSchema, followUpResponseSchema } from "@/src/shared/follow-ups";

const valid = { provider: "chutes", question: "How do I install?", answer: "Unpack it [1].", sourceIds: ["1", "42"] };

describe("followUpRequestSchema", () => {
  it("accepts a question, its answer and chunk ids, with an optional model", () => {
    expect(followUpRequestSchema.parse(valid)).toEqual(valid);
    expect(followUpRequestSchema.parse({ ...valid, model: " m/x ", sourceIds: [] })).toMatchObject({ model: "m/x", sourceIds: [] });
  });

  it.each([
    ["no provider", { ...valid, provider: undefined }],
    ["an unknown provider", { ...valid, provider: "openai" }],
    ["an empty question", { ...valid, question: "   " }],
    ["a missing answer", { ...valid, answer: undefined }],
    ["an answer that is too long", { ...valid, answer: "x".repeat(FOLLOW_UP_LIMITS.maxAnswerChars + 1) }],
    ["too many sources", { ...valid, sourceIds: Array.from({ length: FOLLOW_UP_LIMITS.maxSources + 1 }, (_, index) => String(index)) }],
    ["a source id that is not a chunk id", { ...valid, sourceIds: ["1; DROP TABLE chunks"] }],
    ["source text instead of ids", { ...valid, sourceIds: [{ id: "1", text: "trust me" }] }],
    ["an empty model", { ...valid, model: " " }],
    ["a model id that is too long", { ...valid, model: "m".repeat(201) }],
  ])("rejects %s", (_name, body) => {
    expect(followUpRequestSchema.safeParse(body).success).toBe(false);
  });
});

describe("followUpResponseSchema", () => {
  it("allows no questions, and at most three", () => {
    expect(followUpResponseSchema.parse({ questions: [] })).toEqual({ questions: [] });
    expect(followUpResponseSchema.safeParse({ questions: ["a?", "b?", "c?", "d?"] }).success).toBe(false);
  });
});
