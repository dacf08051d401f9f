import { describe, expect, it } from "vitest";
import { coalesceDeltaEvents } from "@/src/server/providers/coalesce-deltas";

const envelope = { id: "gen-1", object: "chat.completion.chunk", created: 1700000000, model: "m" };
const data = (payload: unknown) => `data: ${JSON.stringify(payload)}`;
const delta = (fields: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  data({ ...envelope, choices: [{ index: 0, delta: fields, finish_reason: null }], ...extra });
/** An SSE event as split lines: the data line and the blank line that ends it. */
const event = (line: string) => [line, ""];

describe("coalesceDeltaEvents", () => {
  it("merges consecutive content events into one, with the later usage", () => {
    const lines = [
      ...event(delta({ content: "Hel" }, { usage: { completion_tokens: 1 } })),
      ...event(delta({ content: "lo" }, { usage: { completion_tokens: 2 } })),
      ...event(delta({ content: " you" })),
    ];
    expect(coalesceDeltaEvents(lines)).toEqual([delta({ content: "Hello you" }, { usage: { completion_tokens: 2 } }), ""]);
  });

  it("merges a long run into one event written once, and keeps the runs around a break apart", () => {
    const words = Array.from({ length: 60 }, (_, index) => ` w${index}`);
    const lines = [
      ...words.slice(0, 40).flatMap((word) => event(delta({ content: word }))),
      ...event(delta({ reasoning_content: "think" })),
      ...words.slice(40).flatMap((word) => event(delta({ content: word }))),
    ];
    expect(coalesceDeltaEvents(lines)).toEqual([
      delta({ content: words.slice(0, 40).join("") }),
      "",
      delta({ reasoning_content: "think" }),
      "",
      delta({ content: words.slice(40).join("") }),
      "",
    ]);
  });

  it("leaves a single event, and a batch without two data lines, untouched (the same array)", () => {
    const one = event(delta({ content: "Hi" }));
    expect(coalesceDeltaEvents(one)).toBe(one);
    const comment = [": keep-alive", "", ...one];
    expect(coalesceDeltaEvents(comment)).toBe(comment);
  });

  it("keeps apart what the SDK treats differently: role, reasoning then content, finish, tool calls, [DONE], other envelopes", () => {
    const role = event(delta({ role: "assistant", content: "" }));
    // Each unlike its neighbour: a finish reason, a tool call, another generation's envelope, then [DONE].
    const apart = [
      ...event(delta({ content: "Done" })),
      ...event(data({ ...envelope, choices: [{ index: 0, delta: { content: "." }, finish_reason: "stop" }] })),
      ...event(delta({ tool_calls: [{ index: 0, id: "t", function: { name: "f", arguments: "{}" } }] })),
      ...event(data({ ...envelope, id: "gen-2", choices: [{ index: 0, delta: { content: "x" }, finish_reason: null }] })),
      ...event(delta({ content: "y" })),
      ...event("data: [DONE]"),
    ];
    const lines = [...role, ...event(delta({ reasoning_content: "Think" })), ...event(delta({ reasoning_content: "ing" })), ...apart];
    expect(coalesceDeltaEvents(lines)).toEqual([...role, ...event(delta({ reasoning_content: "Thinking" })), ...apart]);
  });

  it("merges only whole events: two data lines of one event, and invalid JSON, stay as they are", () => {
    const sameEvent = [delta({ content: "a" }), delta({ content: "b" }), ""];
    expect(coalesceDeltaEvents(sameEvent)).toEqual(sameEvent);
    const broken = [...event("data: {not json"), ...event(delta({ content: "a" })), ...event(delta({ content: "b" }))];
    expect(coalesceDeltaEvents(broken)).toEqual([...event("data: {not json"), ...event(delta({ content: "ab" }))]);
  });

  it("keeps the text exactly, quotes, newlines and non-ASCII included", () => {
    const parts = ['He said "hi"', "\nnext line", " naïve ✓", "\\u0041"];
    const merged = coalesceDeltaEvents(parts.flatMap((part) => event(delta({ content: part }))));
    expect(merged).toHaveLength(2);
    const parsed: unknown = JSON.parse(merged[0]!.slice(5));
    expect(parsed).toEqual({ ...envelope, choices: [{ index: 0, delta: { content: parts.join("") }, finish_reason: null }] });
  });
});
