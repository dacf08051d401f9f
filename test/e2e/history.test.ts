import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { setUpBrowserApp } from "@/test/e2e/support/browser-app";
import { newIsolatedContext } from "@/test/e2e/support/browser";
import { ingestedDocs } from "@/test/e2e/support/ingested-docs";
import { ChatPage } from "@/test/e2e/pages/chat-page";
import { HistoryPage } from "@/test/e2e/pages/history-page";
import { watchErrors } from "@/test/e2e/support/console-errors";

const t = setUpBrowserApp((fakes) => ingestedDocs({ ...fakes.env(), CHUTES_API_KEY: fakes.keys.chutesKey("operator") }, "quire-e2e-history-"));

async function connect(page: Page, user: string): Promise<string> {
  const key = t.fakes.keys.chutesKey(user);
  await page.context().request.post(`${t.app.url}/api/auth/chutes/key`, { data: { apiKey: key }, headers: { origin: t.app.url } });
  return key;
}

async function askAndWait(page: Page, question: string): Promise<void> {
  const chat = new ChatPage(page);
  await chat.ask(question);
  await page.getByRole("button", { name: "Send", exact: true }).waitFor({ timeout: 20_000 });
}

const completions = () => t.fakes.requests.filter((request) => request.path === "/chat/completions").length;

describe("conversation history in Chromium", () => {
  it("asks, stops, regenerates, edits and resends, with Enter sending and the counter counting", async () => {
    const errors = watchErrors(t.page);
    const key = await connect(t.page, "editor");
    t.fakes.setBehavior(key, { tokensPerSecond: 4 });
    await t.page.goto(t.app.url);
    const chat = new ChatPage(t.page);
    await expect.poll(() => t.page.evaluate(() => document.activeElement?.id)).toBe("question");
    await t.page.keyboard.type("Where is the tarball?");
    expect(await t.page.getByTestId("char-counter").textContent()).toMatch(/^21 \/ 32,000/);
    await t.page.keyboard.press("Shift+Enter");
    expect(await chat.question.inputValue()).toBe("Where is the tarball?\n");
    await t.page.keyboard.press("Backspace");
    await t.page.keyboard.press("Enter");

    await t.page.waitForFunction(() => (document.querySelector("[data-testid=answer] .answer-text")?.textContent ?? "").length > 5);
    await chat.stopButton.click();
    await t.page.getByText("Interrupted: this answer is incomplete.").waitFor();

    t.fakes.setBehavior(key, {});
    const before = completions();
    await t.page.getByRole("button", { name: "Regenerate answer" }).click();
    await t.page.getByRole("button", { name: "Send", exact: true }).waitFor({ timeout: 20_000 });
    expect(completions()).toBe(before + 1);
    expect(await chat.answers.count()).toBe(1);
    expect(await t.page.getByText("Interrupted: this answer is incomplete.").count()).toBe(0);

    await askAndWait(t.page, "And the staking rewards?");
    expect(await chat.answers.count()).toBe(2);
    // Editing the first question drops everything after it.
    await t.page.getByRole("button", { name: "Edit question" }).first().click();
    const editor = t.page.getByLabel("Edited question");
    await editor.fill("How do I install on Linux?");
    await t.page.getByRole("button", { name: "Send edited question" }).click();
    await t.page.getByRole("button", { name: "Send", exact: true }).waitFor({ timeout: 20_000 });
    expect(await chat.answers.count()).toBe(1);
    expect(await t.page.getByLabel("Your message").allTextContents()).toEqual([expect.stringContaining("How do I install on Linux?")]);
    expect(await chat.answers.last().textContent()).toContain("How do I install on Linux?");
    expect(errors).toEqual([]);
  });

  it("renames, searches, pins, deletes with undo; a reload keeps it all, sources included", async () => {
    const errors = watchErrors(t.page);
    await connect(t.page, "librarian");
    await t.page.goto(t.app.url);
    const history = new HistoryPage(t.page);
    await askAndWait(t.page, "How do I install Quire on Linux?");
    await history.newChat();
    await expect.poll(() => t.page.evaluate(() => document.activeElement?.id)).toBe("question");
    await askAndWait(t.page, "What does staking lock?");
    await expect.poll(() => history.titles()).toEqual(["What does staking lock?", "How do I install Quire on Linux?"]);
    expect(await history.group("Today").count()).toBe(1);

    await history.rename("How do I install Quire on Linux?", "Linux install");
    await expect.poll(() => history.titles()).toEqual(["What does staking lock?", "Linux install"]);

    // Search looks in titles and in the messages.
    await history.search.fill("tarball");
    await expect.poll(() => history.titles()).toEqual([]);
    // "found" is only in the answers, "staking" only in one title: every word must match somewhere.
    await history.search.fill("found staking");
    await expect.poll(() => history.titles()).toEqual(["What does staking lock?"]);
    await history.search.fill("linux");
    await expect.poll(() => history.titles()).toEqual(["Linux install"]);
    await history.search.fill("");

    await history.action("Linux install", "Pin");
    await expect.poll(() => history.titles()).toEqual(["Linux install", "What does staking lock?"]);
    expect(await history.group("Pinned").getByText("Linux install").count()).toBe(1);

    await history.action("What does staking lock?", "Delete");
    await expect.poll(() => history.titles()).toEqual(["Linux install"]);
    await t.page.getByRole("status").filter({ hasText: "Deleted “What does staking lock?”" }).getByRole("button", { name: "Undo" }).click();
    await expect.poll(() => history.titles()).toEqual(["Linux install", "What does staking lock?"]);

    await t.page.reload();
    await expect.poll(() => history.titles()).toEqual(["Linux install", "What does staking lock?"]);
    await history.open("Linux install");
    const chat = new ChatPage(t.page);
    await chat.answers.last().getByRole("link", { name: /^Source 1:/ }).first().waitFor();
    expect(await chat.answers.last().getByLabel("Sources").textContent()).toContain("guide/install.md");
    expect(errors).toEqual([]);
  });

  it("exports JSON and Markdown, and imports the JSON into a fresh browser", async () => {
    await connect(t.page, "mover");
    await t.page.goto(t.app.url);
    const history = new HistoryPage(t.page);
    await askAndWait(t.page, "How do I install Quire on Linux?");
    await expect.poll(() => history.titles()).toEqual(["How do I install Quire on Linux?"]);

    const [markdown] = await Promise.all([t.page.waitForEvent("download"), history.action("How do I install Quire on Linux?", "Export Markdown")]);
    expect(markdown.suggestedFilename()).toBe("how-do-i-install-quire-on-linux.md");
    const markdownText = await readFile((await markdown.path()) ?? "", "utf8");
    expect(markdownText).toContain("# How do I install Quire on Linux?");
    expect(markdownText).toContain("guide/install.md");

    const [json] = await Promise.all([t.page.waitForEvent("download"), history.sidebar.getByRole("button", { name: "JSON", exact: true }).click()]);
    const file = (await json.path()) ?? "";

    const fresh = await newIsolatedContext(t.browser, t.blocked);
    try {
      const page = await fresh.newPage();
      const errors = watchErrors(page);
      await connect(page, "mover");
      await page.goto(t.app.url);
      const imported = new HistoryPage(page);
      expect(await imported.titles()).toEqual([]);
      const [chooser] = await Promise.all([page.waitForEvent("filechooser"), imported.sidebar.getByRole("button", { name: "Import JSON…" }).click()]);
      await chooser.setFiles(file);
      await imported.sidebar.getByRole("status").filter({ hasText: "Imported 1 conversation." }).waitFor();
      // The same file again: nothing is duplicated.
      const [again] = await Promise.all([page.waitForEvent("filechooser"), imported.sidebar.getByRole("button", { name: "Import JSON…" }).click()]);
      await again.setFiles(file);
      await imported.sidebar.getByRole("status").filter({ hasText: "Imported 0 conversations (1 already here)." }).waitFor();
      await imported.open("How do I install Quire on Linux?");
      await new ChatPage(page).answers.last().getByRole("link", { name: /^Source 1:/ }).first().waitFor();
      expect(errors).toEqual([]);
    } finally {
      await fresh.close();
    }
    expect(t.blocked).toEqual([]);
  });

  it("works as a drawer at 360 px, and Settings deletes all local data after a confirmation", async () => {
    await t.page.setViewportSize({ width: 360, height: 700 });
    await connect(t.page, "small");
    await t.page.goto(t.app.url);
    await askAndWait(t.page, "How do I install Quire on Linux?");
    const history = new HistoryPage(t.page);
    expect(await history.sidebar.isVisible()).toBe(false);
    await t.page.getByRole("button", { name: "Conversations" }).click();
    await history.sidebar.getByRole("button", { name: "How do I install Quire on Linux?", exact: true }).waitFor();
    await t.page.keyboard.press("Escape");
    await expect.poll(() => history.sidebar.isVisible()).toBe(false);
    expect(await t.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

    await new ChatPage(t.page).openSettings();
    await t.page.getByRole("button", { name: "Delete all local data" }).click();
    await Promise.all([t.page.waitForEvent("load"), t.page.getByRole("button", { name: "Yes, delete everything" }).click()]);
    // The page starts over, in the chat, with nothing left.
    await t.page.getByLabel("Your question").waitFor();
    expect(await history.titles()).toEqual([]);
  });
});
