import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { startFakeProviders, type FakeProviders } from "@/test/fakes/server";
import { startAppServer, type AppServer } from "@/test/e2e/support/app-server";
import { launchBrowser, newIsolatedContext } from "@/test/e2e/support/browser";
import { ChatPage } from "@/test/e2e/pages/chat-page";
import { SetupPage } from "@/test/e2e/pages/setup-page";

const CLIENT_ID = "cid_quiree2e00000000000000000";

let fakes: FakeProviders;
let app: AppServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const blocked: string[] = [];

beforeAll(async () => {
  fakes = await startFakeProviders();
  app = await startAppServer({ ...fakes.env(), CHUTES_OAUTH_CLIENT_ID: CLIENT_ID, QUIRE_UNSAFE_ALLOW_HTTP_IDP: "1" });
  // The app's port is known only once it runs; the fake checks redirect_uri exactly (§1.7).
  fakes.oauth.registerClient({ clientId: CLIENT_ID, redirectUris: [`${app.url}/api/auth/chutes/callback`] });
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

const signInLink = (setup: SetupPage) => setup.card("Chutes").getByRole("link", { name: "Sign in with Chutes" });
const chatAuthorizations = () => fakes.requests.filter((request) => request.path === "/chat/completions").map((request) => request.authorization);

/** Asks one question and waits for the whole answer. */
async function askAndWait(chat: ChatPage, question: string): Promise<void> {
  const before = await chat.answers.count();
  await chat.ask(question);
  await expect.poll(() => chat.answers.count(), { timeout: 20_000 }).toBe(before + 1);
  await page.getByRole("button", { name: "Send" }).waitFor({ timeout: 20_000 });
}

describe("Sign in with Chutes, in Chromium", () => {
  it("signs in through the IDP, chats with the cak_ token, and signs out with a revoke", async () => {
    const setup = new SetupPage(page);
    await page.goto(app.url);
    await signInLink(setup).click();
    // The fake auto-approves: login → /idp/authorize → callback → back in the app, signed in.
    const chat = new ChatPage(page);
    await expect.poll(() => chat.badge.textContent(), { timeout: 15_000 }).toBe("Signed In");
    expect(new URL(page.url()).pathname).toBe("/");

    await askAndWait(chat, "How do I run a node?");
    const [accessToken] = fakes.oauth.issued.accessTokens;
    expect(accessToken).toMatch(/^cak_/);
    expect(chatAuthorizations()).toEqual([`Bearer ${accessToken}`]);

    // No token is readable by the page's JavaScript.
    const readable = await page.evaluate(() => JSON.stringify({ ...localStorage }) + document.cookie);
    expect(readable).not.toMatch(/cak_|crt_/);

    await chat.openSettings();
    await setup.card("Chutes").getByText("Signed in as alice").waitFor();
    expect(await setup.badge("Chutes").textContent()).toBe("Signed In");
    await setup.card("Chutes").getByRole("button", { name: "Sign out" }).click();
    await signInLink(setup).waitFor();
    expect(fakes.oauth.issued.revoked).toEqual(expect.arrayContaining([accessToken, fakes.oauth.issued.refreshTokens[0]]));
    expect(await setup.badge("Chutes").textContent()).toBe("Not connected");

    const logs = app.logs();
    expect(logs).toContain("UNSAFE: QUIRE_UNSAFE_ALLOW_HTTP_IDP is set");
    for (const token of [...fakes.oauth.issued.accessTokens, ...fakes.oauth.issued.refreshTokens]) expect(logs).not.toContain(token);
    expect(blocked).toEqual([]);
  });

  it("shows the API Key badge over a sign-in, and falls back to the Chutes account when the key goes", async () => {
    const setup = new SetupPage(page);
    await page.goto(`${app.url}/settings`);
    await signInLink(setup).click();
    await setup.card("Chutes").getByText("Signed in as alice").waitFor({ timeout: 15_000 });
    const key = fakes.keys.chutesKey("carol");
    await setup.enterKey("Chutes", key);
    await expect.poll(() => setup.badge("Chutes").textContent()).toBe("API Key");
    await setup.card("Chutes").getByText("API key in use; remove it to use your Chutes account.").waitFor();

    const chat = new ChatPage(page);
    await page.getByRole("button", { name: "Back to chat" }).click();
    await expect.poll(() => chat.badge.textContent()).toBe("API Key");
    await askAndWait(chat, "Which credential?");
    expect(chatAuthorizations().at(-1)).toBe(`Bearer ${key}`);

    await chat.openSettings();
    await setup.removeKey("Chutes");
    await expect.poll(() => setup.badge("Chutes").textContent()).toBe("Signed In");
    await page.getByRole("button", { name: "Back to chat" }).click();
    await expect.poll(() => chat.badge.textContent()).toBe("Signed In");
    await askAndWait(chat, "And now?");
    expect(chatAuthorizations().at(-1)).toBe(`Bearer ${fakes.oauth.issued.accessTokens[0]}`);
  });

  it("explains a denied sign-in on a friendly page, and the retry works", async () => {
    fakes.oauth.setDeny(true);
    const setup = new SetupPage(page);
    await page.goto(`${app.url}/settings`);
    await signInLink(setup).click();
    await page.getByRole("heading", { name: "Sign-in was cancelled" }).waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("auth-error").textContent()).toContain("access was not granted");

    fakes.oauth.setDeny(false);
    await page.getByRole("link", { name: "Try again" }).click();
    await setup.card("Chutes").getByText("Signed in as alice").waitFor({ timeout: 15_000 });
    expect(new URL(page.url()).pathname).toBe("/settings");
  });

  it("signs out visibly when the session cannot be refreshed", async () => {
    fakes.oauth.setAccessTokenTtlSeconds(30);
    const setup = new SetupPage(page);
    await page.goto(app.url);
    await signInLink(setup).click();
    const chat = new ChatPage(page);
    await expect.poll(() => chat.badge.textContent(), { timeout: 15_000 }).toBe("Signed In");
    // Another instance spent the refresh token; the IDP now refuses it (rotation, §1.7).
    const spent = await fetch(`${fakes.chutesIdpUrl}/idp/token`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: fakes.oauth.issued.refreshTokens[0] ?? "", client_id: CLIENT_ID }),
    });
    expect(spent.status).toBe(200);

    await chat.ask("Still there?");
    await chat.errorCard.waitFor({ timeout: 15_000 });
    expect(await chat.errorCard.textContent()).toContain("Sign in with Chutes again");
    await chat.errorCard.getByRole("link", { name: "Sign in again" }).waitFor();

    await page.reload();
    await setup.card("Chutes").getByText("Your Chutes session expired, sign in again.").waitFor();
    expect(await setup.badge("Chutes").textContent()).toBe("Not connected");
    await signInLink(setup).waitFor();
  });
});
