import { describe, expect, it } from "vitest";
import { APP_ORIGIN, call, CookieJar, readUiStream, streamedText } from "@/test/support/app-harness";
import {
  authorizations,
  chat,
  saveChutesKey,
  signIn,
  setUpOAuthTests,
  status,
} from "@/test/integration/oauth-support";
import { resolveCredential } from "@/src/server/auth/resolve-credential";
import { embedTexts } from "@/src/server/providers/embeddings";

const oauth = setUpOAuthTests();

async function chatAnswers(jar: CookieJar): Promise<void> {
  const response = await chat(oauth.routes, jar);
  expect(response.status).toBe(200);
  expect(streamedText(await readUiStream(response)).length).toBeGreaterThan(10);
}

/**
 * Embeds through the credential the precedence rule picks for this browser, the
 * path the chat route's query embedding and ingest use.
 */
async function embedAs(jar: CookieJar, headers: Record<string, string> = {}): Promise<void> {
  const request = new Request(`${APP_ORIGIN}/api/chat`, { headers: { cookie: jar.header(), ...headers } });
  const resolved = await resolveCredential(request, { provider: "chutes" });
  expect(resolved).not.toBeNull();
  const result = await embedTexts(resolved!.credential, ["q"]);
  expect(result.embeddings).toHaveLength(1);
}

const lastAuthorization = (path: "/chat/completions" | "/embeddings") => authorizations(oauth.fakes, path).at(-1);

describe("an API key wins over a Chutes sign-in (the precedence rule)", () => {
  it("uses the cpk_ key for chat and embeddings while both are present; the card says so", async () => {
    const jar = new CookieJar();
    await signIn(oauth.routes, jar);
    const key = oauth.fakes.keys.chutesKey("carol");
    await saveChutesKey(oauth.routes, jar, key);

    await chatAnswers(jar);
    expect(lastAuthorization("/chat/completions")).toBe(`Bearer ${key}`);
    await embedAs(jar);
    expect(lastAuthorization("/embeddings")).toBe(`Bearer ${key}`);
    expect((await status(oauth.routes, jar)).chutes).toMatchObject({
      active: "apiKey",
      oauth: { username: "alice" },
      apiKey: { username: "carol" },
    });
  });

  it("falls back to the cak_ token once the key is removed", async () => {
    const jar = new CookieJar();
    await signIn(oauth.routes, jar);
    await saveChutesKey(oauth.routes, jar, oauth.fakes.keys.chutesKey("carol"));
    const removed = await call(oauth.routes.chutesKey.DELETE, "/api/auth/chutes/key", { method: "DELETE", jar });
    expect(removed.status).toBe(200);

    const accessToken = oauth.fakes.oauth.issued.accessTokens[0];
    expect(accessToken).toMatch(/^cak_/);
    await chatAnswers(jar);
    expect(lastAuthorization("/chat/completions")).toBe(`Bearer ${accessToken}`);
    await embedAs(jar);
    expect(lastAuthorization("/embeddings")).toBe(`Bearer ${accessToken}`);
    expect((await status(oauth.routes, jar)).chutes.active).toBe("oauth");
  });

  it("keeps using the key after signing out", async () => {
    const jar = new CookieJar();
    await signIn(oauth.routes, jar);
    const key = oauth.fakes.keys.chutesKey("carol");
    await saveChutesKey(oauth.routes, jar, key);
    expect((await call(oauth.routes.logout, "/api/auth/chutes/logout", { method: "POST", jar })).status).toBe(200);
    expect(oauth.fakes.oauth.issued.revoked.length).toBeGreaterThan(0);

    await chatAnswers(jar);
    expect(lastAuthorization("/chat/completions")).toBe(`Bearer ${key}`);
    expect((await status(oauth.routes, jar)).chutes).toMatchObject({ active: "apiKey", oauth: null });
  });

  it("does not refresh the session while a key is in use", async () => {
    const jar = new CookieJar();
    oauth.fakes.oauth.setAccessTokenTtlSeconds(30);
    await signIn(oauth.routes, jar);
    await saveChutesKey(oauth.routes, jar, oauth.fakes.keys.chutesKey("carol"));
    await chatAnswers(jar);
    expect(oauth.fakes.oauth.tokenCalls("refresh_token")).toHaveLength(0);
  });

  it("lets an explicit Authorization header win over both", async () => {
    const jar = new CookieJar();
    await signIn(oauth.routes, jar);
    await saveChutesKey(oauth.routes, jar, oauth.fakes.keys.chutesKey("carol"));
    const headerKey = oauth.fakes.keys.chutesKey("dave");
    await embedAs(jar, { authorization: `Bearer ${headerKey}` });
    expect(lastAuthorization("/embeddings")).toBe(`Bearer ${headerKey}`);
  });
});

describe("a key alone", () => {
  it("chats and embeds with the cpk_ key", async () => {
    const jar = new CookieJar();
    const key = oauth.fakes.keys.chutesKey("erin");
    await saveChutesKey(oauth.routes, jar, key);
    await chatAnswers(jar);
    expect(lastAuthorization("/chat/completions")).toBe(`Bearer ${key}`);
    await embedAs(jar);
    expect(lastAuthorization("/embeddings")).toBe(`Bearer ${key}`);
    expect((await status(oauth.routes, jar)).chutes).toMatchObject({ active: "apiKey", oauth: null });
  });
});
