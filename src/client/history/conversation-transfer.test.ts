import { describe, expect, it } from "vitest";
import type { Conversation } from "@/src/client/history/conversation-schema";
import { sampleConversation } from "@/src/client/history/test-fixtures";
import { exportFileName, exportJson, exportMarkdown, parseImport } from "@/src/client/history/conversation-transfer";

function chat(id: string, title: string, updatedAt: number): Conversation {
  const base = sampleConversation(id, `${title}?`, updatedAt, 1_764_633_600_000);
  return { ...base, title, pinned: id === "b", error: id === "b" ? { code: "timeout", message: "Too slow." } : null };
}

const now = new Date("2026-12-02T10:00:00Z");

describe("JSON export and import", () => {
  it("round-trips every field, sources and errors included", () => {
    const conversations = [chat("a", "Install", 2), chat("b", "Nodes", 1)];
    const result = parseImport(exportJson(conversations, now), []);
    expect(result).toEqual({ ok: true, conversations, added: 2, skipped: 0 });
  });

  it("skips conversations that are already here unchanged, and keeps both when an id is taken by another", () => {
    const here = [chat("a", "Install", 2), chat("b", "Nodes", 1)];
    const changed = { ...chat("b", "Nodes", 5), messages: [...chat("b", "Nodes", 5).messages, { id: "b-q2", role: "user" as const, parts: [{ type: "text", text: "More?" }] }] };
    const file = exportJson([chat("a", "Install", 2), changed, chat("c", "New", 3)], now);
    const result = parseImport(file, here, () => "fresh-id");
    expect(result).toMatchObject({ ok: true, added: 2, skipped: 1 });
    if (!result.ok) return;
    expect(result.conversations.map((item) => item.id)).toEqual(["fresh-id", "c"]);
    expect(result.conversations[0]?.messages).toHaveLength(3);
  });

  it("refuses a file that is not JSON, not ours, or damaged, with a message", () => {
    expect(parseImport("{oops", [])).toMatchObject({ ok: false, message: expect.stringContaining("not JSON") });
    expect(parseImport(JSON.stringify({ hello: 1 }), [])).toMatchObject({ ok: false, message: expect.stringContaining("not a Quire") });
    const damaged = JSON.parse(exportJson([chat("a", "A", 1)], now)) as { conversations: Array<{ messages: unknown }> };
    if (damaged.conversations[0]) damaged.conversations[0].messages = [{ id: "x", role: "robot", parts: [] }];
    expect(parseImport(JSON.stringify(damaged), [])).toMatchObject({ ok: false });
  });
});

describe("Markdown export", () => {
  it("writes each conversation under its title, with questions, answers, model and sources", () => {
    const markdown = exportMarkdown([chat("a", "Install", 2), chat("b", "Nodes", 1)]);
    expect(markdown).toContain("# Install\n\n_Started 2025-12-02 00:00 UTC_\n\n## You\n\nInstall?\n\n## Answer (m1)\n\nRun the installer [1].");
    expect(markdown).toContain("**Sources**\n\n1. [Install › Linux](https://docs.example.com/install#linux) (install.md)");
    expect(markdown).toContain("\n\n---\n\n# Nodes");
  });
});

describe("exportFileName", () => {
  it("names one conversation after its title and several after the date", () => {
    expect(exportFileName([chat("a", "How do I install? (Linux)", 1)], "md", now)).toBe("how-do-i-install-linux.md");
    expect(exportFileName([chat("a", "A", 1), chat("b", "B", 1)], "json", now)).toBe("quire-conversations-2026-12-02.json");
  });
});
