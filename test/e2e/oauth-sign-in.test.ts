import { describe, expect, it } from "vitest";
import { setUpBrowserApp } from "@/test/e2e/support/browser-app";
import { ChatPage } from "@/test/e2e/pages/chat-page";
import { SetupPage } from "@/test/e2e/pages/setup-page";

const CLIENT_ID = "cid_quiree2e00000000000000000";

const t = setUpBrowserApp(
  () => ({ CHUTES_OAUTH_CLIENT_ID: CLIENT_ID, QUIRE_UNSAFE_ALLOW_HTTP_IDP: "1" }),
  // The app's port is known only once it runs; the fake checks redirect_uri exactly (§1.7).
  (fakes, app) => fakes.oauth.registerClient({ clientId: CLIENT_ID, redirectUris: [`${app.url}/api/auth/chutes/callback`] }),
);

const signInLink = (setup: SetupPage) => setup.card("Chutes").getByRole("link", { name: "Sign in with Chutes" });
const chatAuthorizations = () => t.fakes.requests.filter((request) => request.path === "/chat/completions").map((request) => request.authorization);

/** Asks one question and waits for the whole answer. */
async function askAndWait(chat: ChatPage, question: string): Promise<void> {
  const before = await chat.answers.count();
  await chat.ask(question);
  await expect.poll(() => chat.answers.count(), { timeout: 20_000 }).toBe(before + 1);
  await t.page.getByRole("button", { name: "Send" }).waitFor({ timeout: 20_000 });
}

describe("Sign in with Chutes, in Chromium", () => {
  it("signs in through the IDP, chats with the cak_ token, and signs out with a revoke", async () => {
    const setup = new SetupPage(t.page);
    await t.page.goto(t.app.url);
    await signInLink(setup).click();
    // The fake auto-approves: login → /idp/authorize → callback → back in the t.app, signed in.
    const chat = new ChatPage(t.page);
    await expect.poll(() => chat.badge.textContent(), { timeout: 15_000 }).toBe("Signed In");
    expect(new URL(t.page.url()).pathname).toBe("/");

    await askAndWait(chat, "How do I run a node?");
    const [accessToken] = t.fakes.oauth.issued.accessTokens;
    expect(accessToken).toMatch(/^cak_/);
    expect(chatAuthorizations()).toEqual([`Bearer ${accessToken}`]);

    // No token is readable by the page's JavaScript.
    const readable = await t.page.evaluate(() => JSON.stringify({ ...localStorage }) + document.cookie);
    expect(readable).not.toMatch(/cak_|crt_/);

    await chat.openSettings();
    await setup.card("Chutes").getByText("Signed in as alice").waitFor();
    expect(await setup.badge("Chutes").textContent()).toBe("Signed In");
    await setup.card("Chutes").getByRole("button", { name: "Sign out" }).click();
    await signInLink(setup).waitFor();
    expect(t.fakes.oauth.issued.revoked).toEqual(expect.arrayContaining([accessToken, t.fakes.oauth.issued.refreshTokens[0]]));
    expect(await setup.badge("Chutes").textContent()).toBe("Not connected");

    const logs = t.app.logs();
    expect(logs).toContain("UNSAFE: QUIRE_UNSAFE_ALLOW_HTTP_IDP is set");
    for (const token of [...t.fakes.oauth.issued.accessTokens, ...t.fakes.oauth.issued.refreshTokens]) expect(logs).not.toContain(token);
    expect(t.blocked).toEqual([]);
  });

  it("shows the API Key badge over a sign-in, and falls back to the Chutes account when the key goes", async () => {
    const setup = new SetupPage(t.page);
    await t.page.goto(`${t.app.url}/settings`);
    await signInLink(setup).click();
    await setup.card("Chutes").getByText("Signed in as alice").waitFor({ timeout: 15_000 });
    const key = t.fakes.keys.chutesKey("carol");
    await setup.enterKey("Chutes", key);
    await expect.poll(() => setup.badge("Chutes").textContent()).toBe("API Key");
    await setup.card("Chutes").getByText("API key in use; remove it to use your Chutes account.").waitFor();

    const chat = new ChatPage(t.page);
    await t.page.getByRole("button", { name: "Back to chat" }).click();
    await expect.poll(() => chat.badge.textContent()).toBe("API Key");
    await askAndWait(chat, "Which credential?");
    expect(chatAuthorizations().at(-1)).toBe(`Bearer ${key}`);

    await chat.openSettings();
    await setup.removeKey("Chutes");
    await expect.poll(() => setup.badge("Chutes").textContent()).toBe("Signed In");
    await t.page.getByRole("button", { name: "Back to chat" }).click();
    await expect.poll(() => chat.badge.textContent()).toBe("Signed In");
    await askAndWait(chat, "And now?");
    expect(chatAuthorizations().at(-1)).toBe(`Bearer ${t.fakes.oauth.issued.accessTokens[0]}`);
  });

  it("explains a denied sign-in on a friendly page, and the retry works", async () => {
    t.fakes.oauth.setDeny(true);
    const setup = new SetupPage(t.page);
    await t.page.goto(`${t.app.url}/settings`);
    await signInLink(setup).click();
    await t.page.getByRole("heading", { name: "Sign-in was cancelled" }).waitFor({ timeout: 15_000 });
    expect(await t.page.getByTestId("auth-error").textContent()).toContain("access was not granted");

    t.fakes.oauth.setDeny(false);
    await t.page.getByRole("link", { name: "Try again" }).click();
    await setup.card("Chutes").getByText("Signed in as alice").waitFor({ timeout: 15_000 });
    expect(new URL(t.page.url()).pathname).toBe("/settings");
  });

  it("signs out visibly when the session cannot be refreshed", async () => {
    t.fakes.oauth.setAccessTokenTtlSeconds(30);
    const setup = new SetupPage(t.page);
    await t.page.goto(t.app.url);
    await signInLink(setup).click();
    const chat = new ChatPage(t.page);
    await expect.poll(() => chat.badge.textContent(), { timeout: 15_000 }).toBe("Signed In");
    // Another instance spent the refresh token; the IDP now refuses it (rotation, §1.7).
    const spent = await fetch(`${t.fakes.chutesIdpUrl}/idp/token`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: t.fakes.oauth.issued.refreshTokens[0] ?? "", client_id: CLIENT_ID }),
    });
    expect(spent.status).toBe(200);

    await chat.ask("Still there?");
    await chat.errorCard.waitFor({ timeout: 15_000 });
    expect(await chat.errorCard.textContent()).toContain("Sign in with Chutes again");
    await chat.errorCard.getByRole("link", { name: "Sign in again" }).waitFor();

    await t.page.reload();
    await setup.card("Chutes").getByText("Your Chutes session expired, sign in again.").waitFor();
    expect(await setup.badge("Chutes").textContent()).toBe("Not connected");
    await signInLink(setup).waitFor();
  });
});
