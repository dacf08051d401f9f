import { describe, expect, it } from "vitest";
import type { Page, Response as BrowserResponse } from "playwright-core";
import { setUpBrowserApp } from "@/test/e2e/support/browser-app";
import { ChatPage } from "@/test/e2e/pages/chat-page";
import { SetupPage } from "@/test/e2e/pages/setup-page";

/**
 * The secret-leak sweep: every flow runs with recognisable secrets (two API keys, the
 * OAuth tokens the fake IDP issues, the session secret), and then everything a user,
 * a page script or an operator can read is searched for them: the server's logs, every
 * response body and header the browser received, the HTML, localStorage,
 * sessionStorage, IndexedDB and document.cookie.
 */
const CLIENT_ID = "cid_quiresweep0000000000000000";
const SESSION_SECRET = "sweep-session-secret-0123456789-abcdefghij";

const t = setUpBrowserApp(
  () => ({ CHUTES_OAUTH_CLIENT_ID: CLIENT_ID, QUIRE_UNSAFE_ALLOW_HTTP_IDP: "1", SESSION_SECRET }),
  (fakes, app) => fakes.oauth.registerClient({ clientId: CLIENT_ID, redirectUris: [`${app.url}/api/auth/chutes/callback`] }),
);

/** What the browser received: each response's headers and body, as text. */
function recordResponses(page: Page): string[] {
  const seen: string[] = [];
  page.on("response", (response: BrowserResponse) => {
    void (async () => {
      const headers = JSON.stringify(await response.allHeaders().catch(() => ({})));
      const body = await response.text().catch(() => "");
      seen.push(`${response.status()} ${response.url()}\n${headers}\n${body}`);
    })();
  });
  return seen;
}

/** Everything page JavaScript can read: HTML, both storages, every IndexedDB record, document.cookie. */
async function readableByPage(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const dumpIndexedDb = async (): Promise<string> => {
      const databases = typeof indexedDB.databases === "function" ? await indexedDB.databases() : [];
      const parts: string[] = [];
      for (const info of databases) {
        if (!info.name) continue;
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const open = indexedDB.open(info.name as string);
          open.onsuccess = () => resolve(open.result);
          open.onerror = () => reject(open.error);
        });
        for (const store of Array.from(db.objectStoreNames)) {
          const records = await new Promise<unknown[]>((resolve, reject) => {
            const request = db.transaction(store, "readonly").objectStore(store).getAll();
            request.onsuccess = () => resolve(request.result as unknown[]);
            request.onerror = () => reject(request.error);
          });
          parts.push(`${info.name}/${store}: ${JSON.stringify(records)}`);
        }
        db.close();
      }
      return parts.join("\n");
    };
    return [
      document.documentElement.outerHTML,
      JSON.stringify({ ...localStorage }),
      JSON.stringify({ ...sessionStorage }),
      await dumpIndexedDb(),
      document.cookie,
    ].join("\n---\n");
  });
}

/** The secret and a distinctive middle slice of it (masked hints show only a prefix and the last four characters). */
function needles(secret: string): string[] {
  return [secret, secret.slice(6, 22)];
}

function expectNoSecret(where: string, text: string, secrets: string[]): void {
  for (const secret of secrets) {
    for (const needle of needles(secret)) {
      expect(text.includes(needle), `${where} contains a secret (${needle.slice(0, 6)}…)`).toBe(false);
    }
  }
}

async function askAndSettle(page: Page, chat: ChatPage, question: string): Promise<void> {
  await chat.ask(question);
  await page.getByRole("button", { name: "Send", exact: true }).waitFor({ timeout: 20_000 });
}

describe("secret-leak sweep, in Chromium", () => {
  it("no key, token or session secret reaches logs, responses, the HTML or page-readable storage", async () => {
    const { page, fakes } = t;
    const responses = recordResponses(page);
    const chutesKey = fakes.keys.chutesKey("sweeper");
    const openRouterKey = fakes.keys.openrouterKey("sweeper");
    const rejectedKey = fakes.keys.chutesKey("rejected");
    fakes.setBehavior(rejectedKey, { reject: true });
    const setup = new SetupPage(page);
    const chat = new ChatPage(page);
    const snapshots: string[] = [];

    // Keys: a refused one, then both providers saved.
    await page.goto(`${t.app.url}/settings`);
    await setup.enterKey("Chutes", rejectedKey);
    await expect.poll(() => setup.alert("Chutes").textContent()).toContain("rejected this key");
    await setup.enterKey("Chutes", chutesKey);
    await page.getByText("Connected as sweeper").first().waitFor();
    await setup.enterKey("OpenRouter", openRouterKey);
    await expect.poll(() => setup.badge("OpenRouter").textContent()).toBe("API Key");
    snapshots.push(await readableByPage(page));

    // A chat, then each error a chat can end in, through the saved Chutes key.
    await page.goto(t.app.url);
    await askAndSettle(page, chat, "How do I run a node?");
    const failures = [
      { creditsExhausted: "before" as const },
      { creditsExhausted: "midstream" as const },
      { rateLimit: { retryAfterSeconds: 1 } },
      { unavailable: true },
      { serverError: true },
      { forbidden: true },
      { dropAfterTokens: 2 },
      { reject: true },
    ];
    for (const behavior of failures) {
      fakes.setBehavior(chutesKey, behavior);
      await askAndSettle(page, chat, `What happens with ${Object.keys(behavior)[0]}?`);
      await chat.errorCard.waitFor();
    }
    fakes.setBehavior(chutesKey, {});
    snapshots.push(await readableByPage(page));

    // Sign in with Chutes; the key still wins, so remove it and chat with the OAuth token; then sign out.
    await page.goto(`${t.app.url}/settings`);
    await setup.card("Chutes").getByRole("link", { name: "Sign in with Chutes" }).click();
    await page.waitForURL(`${t.app.url}/**`);
    await page.goto(`${t.app.url}/settings`);
    await setup.removeKey("Chutes");
    await expect.poll(() => setup.badge("Chutes").textContent(), { timeout: 15_000 }).toBe("Signed In");
    await page.goto(t.app.url);
    await askAndSettle(page, chat, "Who am I signed in as?");
    snapshots.push(await readableByPage(page));
    await page.goto(`${t.app.url}/settings`);
    await setup.card("Chutes").getByRole("button", { name: "Sign out" }).click();
    await setup.card("Chutes").getByRole("link", { name: "Sign in with Chutes" }).waitFor();
    await setup.removeKey("OpenRouter");
    snapshots.push(await readableByPage(page));

    // Scripts: a Bearer chat and a Bearer chat with a refused key, straight over HTTP.
    const scripted: string[] = [];
    for (const key of [openRouterKey, rejectedKey]) {
      const response = await fetch(`${t.app.url}/api/chat`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ messages: [{ role: "user", parts: [{ type: "text", text: "hello" }] }] }),
      });
      scripted.push(`${response.status}\n${JSON.stringify([...response.headers])}\n${await response.text()}`);
    }

    const issued = [...fakes.oauth.issued.accessTokens, ...fakes.oauth.issued.refreshTokens];
    expect(issued.length).toBeGreaterThanOrEqual(2);
    const secrets = [chutesKey, openRouterKey, rejectedKey, SESSION_SECRET, ...issued];
    // The flows really ran with these secrets: each reached the fake provider.
    const authorizations = fakes.requests.map((request) => request.authorization);
    for (const key of [chutesKey, openRouterKey, rejectedKey, ...fakes.oauth.issued.accessTokens.slice(0, 1)]) {
      expect(authorizations).toContain(`Bearer ${key}`);
    }

    await new Promise((resolve) => setTimeout(resolve, 300)); // the last response bodies
    expect(responses.length).toBeGreaterThan(20);
    responses.forEach((response, index) => expectNoSecret(`browser response #${index} (${response.split("\n")[0]})`, response, secrets));
    scripted.forEach((response, index) => expectNoSecret(`scripted response #${index}`, response, secrets));
    snapshots.forEach((snapshot, index) => expectNoSecret(`page-readable state #${index}`, snapshot, secrets));
    expectNoSecret("server logs", t.app.logs(), secrets);
    expect(t.app.logs().length).toBeGreaterThan(1000);
    expect(t.blocked).toEqual([]);
  }, 180_000);
});
