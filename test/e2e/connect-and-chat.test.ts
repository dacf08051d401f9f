import { describe, expect, it } from "vitest";
import { setUpBrowserApp } from "@/test/e2e/support/browser-app";
import { ChatPage } from "@/test/e2e/pages/chat-page";
import { SetupPage } from "@/test/e2e/pages/setup-page";

const t = setUpBrowserApp();

describe("connect a key and chat, in Chromium", () => {
  it("pastes a Chutes key, sees it validated, asks, and watches the answer stream", async () => {
    const key = t.fakes.keys.chutesKey("alice");
    t.fakes.setBehavior(key, { tokensPerSecond: 40 });
    const setup = new SetupPage(t.page);
    await t.page.goto(t.app.url);
    await expect.poll(() => setup.badge("Chutes").textContent()).toBe("Not connected");
    // Hold the validation a moment, so the loading state can be seen.
    await t.page.route("**/api/auth/chutes/key", async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 600));
      await route.continue();
    });
    await setup.enterKey("Chutes", key);
    await setup.card("Chutes").getByRole("button", { name: "Checking key…" }).waitFor();

    // The first working key leads straight into the chat, ready to type; Settings is one click away.
    const chat = new ChatPage(t.page);
    await expect.poll(() => chat.badge.textContent()).toBe("API Key");
    await expect.poll(() => t.page.evaluate(() => document.activeElement?.id)).toBe("question");
    await t.page.getByRole("button", { name: "Settings" }).waitFor();
    await chat.ask("How do I run a node?");
    // Streaming: the Stop button shows while tokens arrive, then the full answer remains.
    await chat.stopButton.waitFor();
    await t.page.getByRole("button", { name: "Send" }).waitFor({ timeout: 20_000 });
    const answer = (await chat.answers.last().textContent()) ?? "";
    expect(answer).toContain("documentation");
    expect(t.fakes.requests.find((request) => request.path === "/chat/completions")?.authorization).toBe(`Bearer ${key}`);

    // The key is nowhere the page's JavaScript can read.
    const storage = await t.page.evaluate(() => JSON.stringify({ ...localStorage }) + document.cookie);
    expect(storage).not.toContain(key.slice(4, 20));
    expect(storage).not.toContain("cpk_");

    // A reload keeps the key active and the conversation.
    await t.page.reload();
    await expect.poll(() => chat.badge.textContent()).toBe("API Key");
    expect(await chat.answers.count()).toBe(1);
  });

  it("shows a specific error for an invalid key, and removes a saved key", async () => {
    const setup = new SetupPage(t.page);
    await t.page.goto(`${t.app.url}/settings`);
    await setup.enterKey("Chutes", "cpk_not-a-real-key");
    await expect.poll(() => setup.alert("Chutes").textContent()).toContain("complete Chutes API key");

    const rejected = t.fakes.keys.chutesKey("mallory");
    t.fakes.setBehavior(rejected, { reject: true });
    await setup.enterKey("Chutes", rejected);
    await expect.poll(() => setup.alert("Chutes").textContent()).toContain("Chutes rejected this key");

    await setup.enterKey("Chutes", t.fakes.keys.chutesKey("alice"));
    await t.page.getByText("Connected as alice").first().waitFor();
    await t.page.goto(`${t.app.url}/settings`);
    await expect.poll(() => setup.badge("Chutes").textContent()).toBe("API Key");
    await setup.removeKey("Chutes");
    await expect.poll(() => setup.badge("Chutes").textContent()).toBe("Not connected");
  });

  it("Stop ends the answer, keeps the partial text, and closes the upstream connection", async () => {
    const key = t.fakes.keys.openrouterKey("slowpoke");
    t.fakes.setBehavior(key, { tokensPerSecond: 4 });
    const setup = new SetupPage(t.page);
    await t.page.goto(t.app.url);
    await setup.enterKey("OpenRouter", key);
    const chat = new ChatPage(t.page);
    await chat.question.waitFor();
    await chat.ask("Tell me everything");
    await t.page.waitForFunction(() => (document.querySelector("[data-testid=answer] .answer-text")?.textContent ?? "").length > 10);
    const stoppedAt = Date.now();
    await chat.stopButton.click();
    await t.page.getByText("Interrupted: this answer is incomplete.").waitFor();
    const upstream = t.fakes.requests.find((request) => request.path === "/chat/completions");
    await expect.poll(() => upstream?.clientClosedAt, { timeout: 2000 }).toBeDefined();
    expect((upstream?.clientClosedAt ?? 0) - stoppedAt).toBeLessThan(1000);
    expect(((await chat.answers.last().textContent()) ?? "").length).toBeGreaterThan(10);
  });

  it("never logs a key: validation, chat and errors leave no trace in the server's output", async () => {
    const key = t.fakes.keys.chutesKey("leaky");
    const setup = new SetupPage(t.page);
    await t.page.goto(t.app.url);
    await setup.enterKey("Chutes", key);
    const chat = new ChatPage(t.page);
    await chat.ask("What is Quilibrium?");
    await t.page.getByRole("button", { name: "Send" }).waitFor({ timeout: 20_000 });
    const bad = t.fakes.keys.chutesKey("leaky-bad");
    t.fakes.setBehavior(bad, { reject: true });
    await fetch(`${t.app.url}/api/chat`, {
      method: "POST",
      headers: { authorization: `Bearer ${bad}`, "content-type": "application/json" },
      body: JSON.stringify({ messages: [{ id: "1", role: "user", parts: [{ type: "text", text: "hi" }] }] }),
    });
    const logs = t.app.logs();
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of [key, bad, key.slice(4, 36), bad.slice(4, 36)]) expect(logs).not.toContain(secret);
    expect(logs).not.toMatch(/quire_chutes_key=/);
    expect(t.blocked).toEqual([]);
  });
});

describe("security headers", () => {
  it("forbids framing and sniffing", async () => {
    const response = await fetch(t.app.url);
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });
});
