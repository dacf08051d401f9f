import { describe, expect, it } from "vitest";
import { newConversation, titleFromMessages, type Conversation } from "@/src/client/history/conversation-schema";
import { dayGroupLabel, groupConversations, searchConversations } from "@/src/client/history/history-search";

function chat(id: string, title: string, updatedAt: number, answer = "", pinned = false): Conversation {
  return {
    ...newConversation(0, id),
    title,
    updatedAt,
    pinned,
    messages: [
      { id: `${id}-q`, role: "user", parts: [{ type: "text", text: title }] },
      { id: `${id}-a`, role: "assistant", parts: [{ type: "text", text: answer }] },
    ],
  };
}

const now = new Date(2026, 11, 2, 15, 0).getTime();
const hoursAgo = (hours: number) => now - hours * 3_600_000;
const daysAgo = (days: number) => new Date(2026, 11, 2 - days, 12, 0).getTime();

describe("searchConversations", () => {
  const items = [
    chat("a", "Installing on Linux", 3, "Use the Résumé flag with apt"),
    chat("b", "Running a node", 2, "Nodes need 8 GB of memory"),
    chat("c", "Pricing", 1, "Nothing about linux here, honestly"),
  ];

  it("finds words in titles and in message text, ignoring case and accents, all words required", () => {
    expect(searchConversations(items, "linux").map((hit) => hit.conversation.id)).toEqual(["a", "c"]);
    expect(searchConversations(items, "RESUME apt").map((hit) => hit.conversation.id)).toEqual(["a"]);
    expect(searchConversations(items, "memory node").map((hit) => hit.conversation.id)).toEqual(["b"]);
    expect(searchConversations(items, "linux memory")).toEqual([]);
  });

  it("shows an excerpt of the message that matched when the title did not", () => {
    const [hit] = searchConversations(items, "memory");
    expect(hit?.excerpt).toContain("8 GB of memory");
    expect(searchConversations(items, "installing")[0]?.excerpt).toBeNull();
  });

  it("matches everything on an empty query", () => {
    expect(searchConversations(items, "  ")).toHaveLength(3);
  });
});

describe("groupConversations", () => {
  it("puts pinned first, then Today, Yesterday, Previous 7 days and months, newest first", () => {
    const groups = groupConversations(
      [
        chat("old", "Old", new Date(2026, 9, 14).getTime()),
        chat("today2", "T2", hoursAgo(1)),
        chat("week", "W", daysAgo(4)),
        chat("pinned", "P", daysAgo(40), "", true),
        chat("yesterday", "Y", daysAgo(1)),
        chat("today1", "T1", hoursAgo(2)),
        chat("nov", "N", new Date(2026, 10, 3).getTime()),
      ],
      now,
    );
    expect(groups.map((group) => [group.label, group.conversations.map((item) => item.id)])).toEqual([
      ["Pinned", ["pinned"]],
      ["Today", ["today2", "today1"]],
      ["Yesterday", ["yesterday"]],
      ["Previous 7 days", ["week"]],
      ["November 2026", ["nov"]],
      ["October 2026", ["old"]],
    ]);
  });

  it("labels by calendar day, not by 24-hour windows", () => {
    const justAfterMidnight = new Date(2026, 11, 2, 0, 5).getTime();
    expect(dayGroupLabel(new Date(2026, 11, 1, 23, 55).getTime(), justAfterMidnight)).toBe("Yesterday");
    expect(dayGroupLabel(new Date(2026, 11, 2, 0, 1).getTime(), justAfterMidnight)).toBe("Today");
  });
});

describe("titleFromMessages", () => {
  it("takes the first question's first line, shortened at a word", () => {
    const long = "How do I configure the embedded store so that it keeps its data in another directory than the default one";
    expect(titleFromMessages([{ id: "1", role: "user", parts: [{ type: "text", text: `${long}\nmore` }] }])).toBe(
      "How do I configure the embedded store so that it keeps its data in another…",
    );
    expect(titleFromMessages([{ id: "1", role: "user", parts: [{ type: "text", text: "  Short?  \nsecond" }] }])).toBe("Short?");
    expect(titleFromMessages([])).toBe("");
  });
});
