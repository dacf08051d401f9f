import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { startFakeProviders, type FakeProviders } from "@/test/fakes/server";
import { startAppServer, type AppServer } from "@/test/e2e/support/app-server";
import { launchBrowser, newIsolatedContext } from "@/test/e2e/support/browser";
import { ChatPage } from "@/test/e2e/pages/chat-page";
import { SetupPage } from "@/test/e2e/pages/setup-page";

let fakes: FakeProviders;
let app: AppServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const blocked: string[] = [];

beforeAll(async () => {
  fakes = await startFakeProviders();
  app = await startAppServer(fakes.env());
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await fakes?.close();
});
beforeEach(async () => {
  fakes.reset();
  await context?.close();
  context = await newIsolatedContext(browser, blocked);
  page = await context.newPage();
});

describe("connect a key and chat, in Chromium", () => {
  it("pastes a Chutes key, sees it validated, asks, and watches the answer stream", async () => {
    const key = fakes.keys.chutesKey("alice");
    fakes.setBehavior(key, { tokensPerSecond: 40 });
    const setup = new SetupPage(page);
    await page.goto(app.url);
    await expect.poll(() => setup.badge("Chutes").textContent()).toBe("Not connected");
    await setup.enterKey("Chutes", key);
    await page.getByText("Connected as alice").first().waitFor();
    await expect.poll(() => setup.badge("Chutes").textContent()).toBe("API Key");
    await page.getByRole("button", { name: "Start chatting" }).click();

    const chat = new ChatPage(page);
    await expect.poll(() => chat.badge.textContent()).toBe("API Key");
    await chat.ask("How do I run a node?");
    // Streaming: the Stop button shows while tokens arrive, then the full answer remains.
    await chat.stopButton.waitFor();
    await page.getByRole("button", { name: "Send" }).waitFor({ timeout: 20_000 });
    const answer = (await chat.answers.last().textContent()) ?? "";
    expect(answer).toContain("documentation");
    expect(fakes.requests.find((request) => request.path === "/chat/completions")?.authorization).toBe(`Bearer ${key}`);

    // The key is nowhere the page's JavaScript can read.
    const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + document.cookie);
    expect(storage).not.toContain(key.slice(4, 20));
    expect(storage).not.toContain("cpk_");

    // A reload keeps the key active and the conversation.
    await page.reload();
    await expect.poll(() => chat.badge.textContent()).toBe("API Key");
    expect(await chat.answers.count()).toBe(1);
  });

  it("shows a specific error for an invalid key, and removes a saved key", async () => {
    const setup = new SetupPage(page);
    await page.goto(`${app.url}/settings`);
    await setup.enterKey("Chutes", "cpk_not-a-real-key");
    await expect.poll(() => setup.alert("Chutes").textContent()).toContain("complete Chutes API key");

    const rejected = fakes.keys.chutesKey("mallory");
    fakes.setBehavior(rejected, { reject: true });
    await setup.enterKey("Chutes", rejected);
    await expect.poll(() => setup.alert("Chutes").textContent()).toContain("Chutes rejected this key");

    await setup.enterKey("Chutes", fakes.keys.chutesKey("alice"));
    await page.getByText("Connected as alice").first().waitFor();
    await page.goto(`${app.url}/settings`);
    await expect.poll(() => setup.badge("Chutes").textContent()).toBe("API Key");
    await setup.removeKey("Chutes");
    await expect.poll(() => setup.badge("Chutes").textContent()).toBe("Not connected");
  });

  it("Stop ends the answer, keeps the partial text, and closes the upstream connection", async () => {
    const key = fakes.keys.openrouterKey("slowpoke");
    fakes.setBehavior(key, { tokensPerSecond: 4 });
    const setup = new SetupPage(page);
    await page.goto(app.url);
    await setup.enterKey("OpenRouter", key);
    await page.getByRole("button", { name: "Start chatting" }).click();
    const chat = new ChatPage(page);
    await chat.question.waitFor();
    await chat.ask("Tell me everything");
    await page.waitForFunction(() => (document.querySelector("[data-testid=answer] .answer-text")?.textContent ?? "").length > 10);
    const stoppedAt = Date.now();
    await chat.stopButton.click();
    await page.getByText("Interrupted: this answer is incomplete.").waitFor();
    const upstream = fakes.requests.find((request) => request.path === "/chat/completions");
    await expect.poll(() => upstream?.clientClosedAt, { timeout: 2000 }).toBeDefined();
    expect((upstream?.clientClosedAt ?? 0) - stoppedAt).toBeLessThan(1000);
    expect(((await chat.answers.last().textContent()) ?? "").length).toBeGreaterThan(10);
  });

  it("never logs a key: validation, chat and errors leave no trace in the server's output", async () => {
    const key = fakes.keys.chutesKey("leaky");
    const setup = new SetupPage(page);
    await page.goto(app.url);
    await setup.enterKey("Chutes", key);
    await page.getByRole("button", { name: "Start chatting" }).click();
    const chat = new ChatPage(page);
    await chat.ask("What is Quilibrium?");
    await page.getByRole("button", { name: "Send" }).waitFor({ timeout: 20_000 });
    const bad = fakes.keys.chutesKey("leaky-bad");
    fakes.setBehavior(bad, { reject: true });
    await fetch(`${app.url}/api/chat`, {
      method: "POST",
      headers: { authorization: `Bearer ${bad}`, "content-type": "application/json" },
      body: JSON.stringify({ messages: [{ id: "1", role: "user", parts: [{ type: "text", text: "hi" }] }] }),
    });
    const logs = app.logs();
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [key, bad, key.slice(4, 36), bad.slice(4, 36)]) expect(logs).not.toContain(secret);
    expect(logs).not.toMatch(/quire_chutes_key=/);
    expect(blocked).toEqual([]);
  });
});
