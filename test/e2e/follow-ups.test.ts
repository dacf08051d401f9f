import { describe, expect, it } from "vitest";
import { setUpBrowserApp } from "@/test/e2e/support/browser-app";
import { ingestedDocs } from "@/test/e2e/support/ingested-docs";
import { ChatPage } from "@/test/e2e/pages/chat-page";
import { watchErrors } from "@/test/e2e/support/console-errors";

const t = setUpBrowserApp((fakes) =>
  ingestedDocs({ ...fakes.env(), CHUTES_API_KEY: fakes.keys.chutesKey("operator"), QUIRE_FOLLOW_UPS: "1" }, "quire-e2e-follow-ups-"),
);

const QUESTION = "How do I install Quire on Linux?";
const SUGGESTED = ["Which glibc version does Quire need?", "Where should I unpack the tarball?"];

/** The non-streamed completions: the follow-up calls (answers stream). */
const followUpCalls = () =>
  t.fakes.requests.filter((request) => request.path === "/chat/completions" && (request.body as { stream?: unknown } | null)?.stream !== true);

describe("follow-up suggestions in Chromium (QUIRE_FOLLOW_UPS=1)", () => {
  it("shows suggestions under the last answer; one click asks it; a reload spends nothing", async () => {
    const errors = watchErrors(t.page);
    const key = t.fakes.keys.chutesKey("curious");
    // Answers stream the default reply; the follow-up call (not streamed) gets these, and the question itself, which is dropped.
    t.fakes.setBehavior(key, { completionReply: JSON.stringify([...SUGGESTED, QUESTION]) });
    await t.page.context().request.post(`${t.app.url}/api/auth/chutes/key`, { data: { apiKey: key }, headers: { origin: t.app.url } });
    await t.page.goto(t.app.url);
    const chat = new ChatPage(t.page);
    await chat.ask(QUESTION);

    const group = t.page.getByRole("group", { name: "Suggested follow-ups" });
    await group.waitFor({ timeout: 20_000 });
    expect(await group.getByRole("button").allTextContents()).toEqual(SUGGESTED);
    // Below the last answer, after its actions.
    expect(await chat.answers.last().getByRole("group", { name: "Suggested follow-ups" }).count()).toBe(1);
    expect(followUpCalls()).toHaveLength(1);
    expect(followUpCalls()[0]?.authorization).toBe(`Bearer ${key}`);

    await chat.question.fill("half-typed draft");
    await group.getByRole("button", { name: SUGGESTED[0] }).click();
    await expect.poll(() => t.page.getByLabel("Your message").last().textContent()).toContain(SUGGESTED[0]);
    await t.page.getByRole("button", { name: "Send", exact: true }).waitFor({ timeout: 20_000 });
    expect(await chat.answers.count()).toBe(2);
    // The fake's answer quotes the question it was asked: the suggestion was sent as the question.
    expect(await chat.answers.last().textContent()).toContain(SUGGESTED[0]);
    expect(await chat.question.inputValue()).toBe("half-typed draft");

    // New suggestions for the new last answer only; the old ones are gone.
    await expect.poll(() => followUpCalls().length, { timeout: 20_000 }).toBe(2);
    await chat.answers.last().getByRole("group", { name: "Suggested follow-ups" }).waitFor({ timeout: 20_000 });
    expect(await t.page.getByRole("group", { name: "Suggested follow-ups" }).count()).toBe(1);
    expect(await chat.answers.last().getByRole("button", { name: SUGGESTED[0] }).count()).toBe(0);

    // A stored conversation does not ask again.
    await t.page.reload();
    await chat.answers.nth(1).waitFor();
    await t.page.waitForTimeout(1000);
    expect(followUpCalls()).toHaveLength(2);
    expect(await t.page.getByRole("group", { name: "Suggested follow-ups" }).count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
