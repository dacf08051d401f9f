import { beforeEach, describe, expect, it } from "vitest";
import type { Behavior } from "@/test/fakes/server";
import { setUpBrowserApp } from "@/test/e2e/support/browser-app";
import { ChatPage } from "@/test/e2e/pages/chat-page";

/**
 * When things go wrong: one browser test per failure, each ending in a specific
 * card with a next step, the user's message kept, and no key anywhere on screen.
 */
let chat: ChatPage;
const t = setUpBrowserApp(() => ({
  QUIRE_FIRST_TOKEN_TIMEOUT_MS: "2000",
  QUIRE_IDLE_TIMEOUT_MS: "2000",
  QUIRE_MAX_RETRY_WAIT_MS: "300",
  QUIRE_QUERY_EMBED_TIMEOUT_MS: "1000",
  // Each test connects a fresh key from the same address, far more than one person would.
  QUIRE_RATE_LIMIT_KEY_CHECKS: "off",
}));
beforeEach(() => {
  chat = new ChatPage(t.page);
});

/** Stores a key through the API in this browser's cookie jar, sets the fake's behaviour for it, opens the chat. */
async function connect(provider: "chutes" | "openrouter", seed: string, behavior: Behavior = {}): Promise<string> {
  const key = provider === "chutes" ? t.fakes.keys.chutesKey(seed) : t.fakes.keys.openrouterKey(seed);
  const response = await t.context.request.post(`${t.app.url}/api/auth/${provider}/key`, { data: { apiKey: key }, headers: { origin: t.app.url } });
  expect(response.status()).toBe(200);
  t.fakes.setBehavior(key, behavior);
  await t.page.goto(t.app.url);
  await chat.question.waitFor();
  return key;
}

async function askAndGetCard(question: string, code: string) {
  await chat.ask(question);
  await chat.errorCard.waitFor({ timeout: 15_000 });
  expect(await chat.errorCard.getAttribute("data-code")).toBe(code);
  // The question stays in the conversation, ready to resend.
  expect(await t.page.getByLabel("Your message").last().textContent()).toContain(question);
  return chat.errorCard;
}

async function expectNoSecret(key: string) {
  const text = await t.page.locator("body").innerText();
  expect(text).not.toContain(key);
  expect(text).not.toContain(key.slice(4, 24));
  expect(text).not.toMatch(/\{"|"detail"|\b402\b|\b429\b|\b503\b/);
}

const chatCalls = () => t.fakes.requests.filter((request) => request.path === "/chat/completions");

describe("error cards in Chromium", () => {
  it("402 before the stream on Chutes: top-up link, message kept, same state after a reload", async () => {
    const key = await connect("chutes", "broke", { creditsExhausted: "before" });
    const card = await askAndGetCard("How do I stake?", "credits_exhausted");
    expect(await card.textContent()).toContain("Your Chutes balance is used up");
    expect(await card.getByRole("link", { name: "Top up" }).getAttribute("href")).toMatch(/^https:\/\/chutes\.ai\//);
    await expectNoSecret(key);
    await t.page.reload();
    await chat.errorCard.waitFor();
    expect(await chat.errorCard.getAttribute("data-code")).toBe("credits_exhausted");
    expect(await t.page.getByLabel("Your message").count()).toBe(1);
  });

  it("402 before the stream on OpenRouter names the limit that was hit", async () => {
    const key = await connect("openrouter", "capped", { creditsExhausted: "before", openrouterLimitSource: "openrouter_key_limit" });
    const card = await askAndGetCard("What is a shard?", "credits_exhausted");
    expect(await card.textContent()).toContain("Limit reached: this key's spending limit.");
    expect(await card.getByRole("link", { name: "Top up" }).getAttribute("href")).toBe("https://openrouter.ai/settings/credits");
    await expectNoSecret(key);
  });

  it.each(["chutes", "openrouter"] as const)("402 in the middle of the stream on %s keeps the partial answer, marked interrupted", async (provider) => {
    const key = await connect(provider, "midway", { creditsExhausted: "midstream", midstreamAfterTokens: 5 });
    await askAndGetCard("Explain epochs", "credits_exhausted");
    expect(((await chat.answers.last().textContent()) ?? "").length).toBeGreaterThan(5);
    await t.page.getByText("Interrupted: this answer is incomplete.").waitFor();
    await expectNoSecret(key);
  });

  it("401 on the stored key offers to re-enter it", async () => {
    const key = await connect("chutes", "revoked", { reject: true });
    const card = await askAndGetCard("hello?", "invalid_credential");
    expect(await card.textContent()).toContain("Your Chutes API key was rejected");
    await card.getByRole("button", { name: "Re-enter key" }).click();
    await t.page.getByLabel("Chutes API key").waitFor();
    await expectNoSecret(key);
  });

  it("429: one retry, then a countdown before Retry is possible", async () => {
    const key = await connect("chutes", "busy", { rateLimit: { retryAfterSeconds: 3 } });
    const card = await askAndGetCard("Are you there?", "rate_limited");
    expect(chatCalls()).toHaveLength(2);
    const retry = card.getByRole("button", { name: /Retry in \d s/ });
    expect(await retry.isDisabled()).toBe(true);
    t.fakes.setBehavior(key, {});
    await card.getByRole("button", { name: "Retry", exact: true }).click({ timeout: 6000 });
    await expect.poll(() => chat.answers.count(), { timeout: 15_000 }).toBe(1);
    await t.page.getByRole("button", { name: "Send" }).waitFor({ timeout: 15_000 });
    expect(await chat.errorCard.count()).toBe(0);
  });

  it("503 no instances: one retry, then the unavailable card with Retry and Switch model", async () => {
    await connect("chutes", "nocapacity", { unavailable: true });
    const card = await askAndGetCard("Anything?", "provider_unavailable");
    expect(chatCalls()).toHaveLength(2);
    expect(await card.textContent()).toContain("no capacity for this model");
    await card.getByRole("button", { name: "Retry" }).waitFor();
    await card.getByRole("button", { name: "Switch model" }).click();
    expect(await t.page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Model");
  });

  it("404 model: the switch-model card", async () => {
    // A model list cached before the model was retired still offers it.
    await t.page.route("**/api/models?provider=chutes", (route) =>
      route.fulfill({
        json: {
          provider: "chutes",
          defaultModel: "deepseek-ai/DeepSeek-V3.2-TEE",
          models: [
            { id: "deepseek-ai/DeepSeek-V3.2-TEE", name: "deepseek-ai/DeepSeek-V3.2-TEE", contextLength: null },
            { id: "retired/model-x", name: "retired/model-x", contextLength: null },
          ],
          fallback: false,
        },
      }),
    );
    await connect("chutes", "picky");
    await t.page.getByLabel("Model").selectOption("retired/model-x");
    const card = await askAndGetCard("Which model are you?", "model_not_found");
    expect(await card.textContent()).toContain("retired/model-x");
    await card.getByRole("button", { name: "Switch model" }).waitFor();
    expect(chatCalls()).toHaveLength(1);
  });

  it("a connection dropped mid-stream: interrupted and retryable, no hang", async () => {
    const key = await connect("openrouter", "dropper", { dropAfterTokens: 4 });
    const card = await askAndGetCard("Tell me a story", "upstream_error");
    await t.page.getByText("Interrupted: this answer is incomplete.").waitFor();
    t.fakes.setBehavior(key, {});
    await card.getByRole("button", { name: "Retry" }).click();
    await t.page.getByRole("button", { name: "Send" }).waitFor({ timeout: 15_000 });
    await expect.poll(() => chat.errorCard.count()).toBe(0);
    expect((await chat.answers.last().textContent()) ?? "").toContain("documentation");
  });

  it("first-token timeout: the timeout card in the configured time", async () => {
    await connect("chutes", "sleepy", { firstTokenDelayMs: 20_000 });
    const started = Date.now();
    const card = await askAndGetCard("Hello?", "timeout");
    expect(Date.now() - started).toBeLessThan(6000);
    expect(await card.textContent()).toContain("did not start answering within 2 s");
    expect(chatCalls()).toHaveLength(1);
  });

  it("a low balance shows a small banner, not a block", async () => {
    await connect("chutes", "lowfunds", { balance: 0.3, firstTokenDelayMs: 800 });
    await chat.ask("Quick question");
    await t.page.getByRole("status").filter({ hasText: "balance is low" }).waitFor({ timeout: 15_000 });
    await t.page.getByRole("button", { name: "Send" }).waitFor({ timeout: 15_000 });
    expect(await chat.errorCard.count()).toBe(0);
    expect(t.blocked).toEqual([]);
  });
});
