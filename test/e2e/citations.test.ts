import { describe, expect, it } from "vitest";
import { setUpBrowserApp } from "@/test/e2e/support/browser-app";
import { ingestedDocs } from "@/test/e2e/support/ingested-docs";
import { ChatPage } from "@/test/e2e/pages/chat-page";

const t = setUpBrowserApp((fakes) => ingestedDocs({ ...fakes.env(), CHUTES_API_KEY: fakes.keys.chutesKey("operator") }, "quire-e2e-cite-"));

describe("citations in Chromium", () => {
  it("turns [n] into chips that open the cited excerpt, lists only cited sources, and keeps them after a reload", async () => {
    const key = t.fakes.keys.chutesKey("reader");
    await t.context.request.post(`${t.app.url}/api/auth/chutes/key`, { data: { apiKey: key }, headers: { origin: t.app.url } });
    await t.page.goto(t.app.url);
    const chat = new ChatPage(t.page);
    await chat.ask("How do I install Quire on Linux?");
    await t.page.getByRole("button", { name: "Send" }).waitFor({ timeout: 20_000 });

    const answer = chat.answers.last();
    const chip = answer.getByRole("link", { name: /^Source 1:/ }).first();
    await chip.waitFor();
    expect(await chip.textContent()).toBe("1");
    const sources = answer.getByLabel("Sources");
    expect(await sources.locator("ol.source-list").first().textContent()).toContain("guide/install.md");
    // Uncited sources are folded away.
    expect(await sources.locator("details").count()).toBeLessThanOrEqual(1);

    const [viewer] = await Promise.all([t.context.waitForEvent("page"), chip.click()]);
    await viewer.waitForLoadState();
    expect(new URL(viewer.url()).pathname).toMatch(/^\/sources\/\d+$/);
    expect(await viewer.getByRole("heading", { level: 1 }).textContent()).toBe("Installing Quire");
    expect(await viewer.locator("article").textContent()).toContain("Download the tarball");
    await viewer.close();

    await t.page.reload();
    await answer.getByRole("link", { name: /^Source 1:/ }).first().waitFor();
    expect(t.blocked).toEqual([]);
  });

  it("a source that is gone says so instead of failing", async () => {
    await t.page.goto(`${t.app.url}/sources/999999?path=guide/old.md`);
    expect(await t.page.getByRole("heading", { level: 1 }).textContent()).toBe("Source not found");
    expect(await t.page.locator("main").textContent()).toContain("guide/old.md");
  });
});
