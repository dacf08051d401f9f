import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Response as PageResponse } from "playwright-core";
import { setUpBrowserApp } from "@/test/e2e/support/browser-app";
import { startAppServer, type AppServer } from "@/test/e2e/support/app-server";
import { ingestWithCli } from "@/test/support/ingest";
import { ChatPage } from "@/test/e2e/pages/chat-page";
import { SetupPage } from "@/test/e2e/pages/setup-page";

/** A docs folder, ingested before the app starts, so that answers cite a /sources/<id> page. */
async function ingestedDocs(env: Record<string, string>): Promise<Record<string, string>> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "quire-e2e-headers-"));
  const docsDir = path.join(dataDir, "docs");
  mkdirSync(docsDir, { recursive: true });
  writeFileSync(
    path.join(docsDir, "install.md"),
    "# Installing Quire\n\n## Linux\n\nDownload the tarball, unpack it into /opt/quire and run `quire serve`. It needs glibc 2.31.\n",
  );
  const appEnv = { ...env, QUIRE_DATA_DIR: dataDir, QUIRE_DOCS_DIR: docsDir };
  await ingestWithCli({ ...process.env, ...appEnv });
  return appEnv;
}

const t = setUpBrowserApp((fakes) => ingestedDocs({ ...fakes.env(), CHUTES_API_KEY: fakes.keys.chutesKey("operator") }));

interface PolicyReports {
  /** securitypolicyviolation events, from every page of the context. */
  violations: string[];
  /** Console messages about CSP or Permissions-Policy (Chromium logs refusals there too). */
  consoleProblems: string[];
  /** Every console error, to explain a failure. */
  consoleErrors: string[];
}

/** Listens, on every page of the context, for anything the policies refused. */
async function watchPolicies(context: BrowserContext): Promise<PolicyReports> {
  const reports: PolicyReports = { violations: [], consoleProblems: [], consoleErrors: [] };
  await context.exposeBinding("__quireReportViolation", (_source, report: string) => {
    reports.violations.push(report);
  });
  // Injected by the browser, outside the page's CSP, before any of the page's scripts.
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const report = (window as unknown as { __quireReportViolation?: (report: string) => void }).__quireReportViolation;
      report?.(`${event.effectiveDirective} blocked ${event.blockedURI || "(inline)"} on ${event.documentURI} (${event.sourceFile}:${event.lineNumber})`);
    });
  });
  context.on("console", (message) => {
    const text = `${message.type()}: ${message.text()} @ ${message.location().url}`;
    if (message.type() === "error") reports.consoleErrors.push(text);
    if (/content[ -]security[ -]policy|permissions[ -]policy|refused to/i.test(message.text())) reports.consoleProblems.push(text);
  });
  return reports;
}

function expectNoRefusals(reports: PolicyReports): void {
  expect({ violations: reports.violations, consoleProblems: reports.consoleProblems }, reports.consoleErrors.join("\n")).toEqual({
    violations: [],
    consoleProblems: [],
  });
}

const NONCE = /script-src 'self' 'nonce-([A-Za-z0-9+/=]+)' 'strict-dynamic'(;|$)/;

/** Checks a page response's security headers; returns its CSP nonce. */
async function expectPageHeaders(response: PageResponse | null): Promise<string> {
  expect(response?.status()).toBe(200);
  const headers = (await response?.allHeaders()) ?? {};
  const csp = headers["content-security-policy"] ?? "";
  expect(csp.split(";").map((directive) => directive.trim())).toEqual([
    "default-src 'self'",
    expect.stringMatching(/^script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'$/),
    expect.stringMatching(/^style-src 'self' 'nonce-[A-Za-z0-9+/=]+'$/),
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "connect-src 'self'",
    "frame-ancestors 'none'",
  ]);
  expect(csp).not.toContain("unsafe-inline");
  expect(csp).not.toContain("unsafe-eval");
  expect(headers["cross-origin-opener-policy"]).toBe("same-origin");
  expect(headers["permissions-policy"]).toMatch(/(^|, )camera=\(\)/);
  expect(headers["permissions-policy"]).toMatch(/(^|, )microphone=\(\)/);
  expect(headers["permissions-policy"]).toMatch(/(^|, )geolocation=\(\)/);
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("same-origin");
  // APP_URL is http here: no HSTS.
  expect(headers["strict-transport-security"]).toBeUndefined();
  return NONCE.exec(csp)?.[1] ?? "";
}

describe("security headers and CSP, in Chromium", () => {
  it("every page loads, a key is saved and a chat streams, and the CSP refuses nothing", async () => {
    const reports = await watchPolicies(t.context);
    const page = t.page;

    // Chat: two loads, two nonces; Next.js put this request's nonce on every script.
    const first = await expectPageHeaders(await page.goto(t.app.url));
    const reloaded = await page.reload();
    const second = await expectPageHeaders(reloaded);
    expect(first).not.toBe(second);
    const scriptTags = ((await reloaded?.text()) ?? "").match(/<script\b[^>]*>/g) ?? [];
    expect(scriptTags.length).toBeGreaterThan(0);
    for (const tag of scriptTags) expect(tag).toContain(`nonce="${second}"`);

    // Save a key through the UI, then chat with it: fetches and the stream are same-origin.
    const setup = new SetupPage(page);
    await setup.enterKey("Chutes", t.fakes.keys.chutesKey("alice"));
    const chat = new ChatPage(page);
    await chat.question.waitFor();
    await chat.ask("How do I install Quire on Linux?");
    await page.getByRole("button", { name: "Send" }).waitFor({ timeout: 20_000 });
    expect((await chat.answers.last().textContent()) ?? "").not.toBe("");

    // The cited excerpt: a server-rendered markdown page.
    const chip = chat.answers.last().getByRole("link", { name: /^Source 1:/ }).first();
    await chip.waitFor();
    const [viewer] = await Promise.all([t.context.waitForEvent("page"), chip.click()]);
    await viewer.waitForLoadState("load");
    expect(new URL(viewer.url()).pathname).toMatch(/^\/sources\/\d+$/);
    expect(await viewer.getByRole("heading", { level: 1 }).textContent()).toBe("Installing Quire");
    await expectPageHeaders(await viewer.reload());
    await viewer.close();

    await expectPageHeaders(await page.goto(`${t.app.url}/settings`));
    await setup.badge("Chutes").waitFor();

    await expectPageHeaders(await page.goto(`${t.app.url}/auth/error?reason=access_denied&returnTo=%2Fsettings`));
    expect(await page.getByTestId("auth-error").getAttribute("data-reason")).toBe("access_denied");

    await expectPageHeaders(await page.goto(`${t.app.url}/sources/999999?path=guide/old.md`));
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Source not found");

    // Client-side navigation back to the chat (RSC fetches) under the same policy.
    await page.getByRole("link", { name: "Back to the chat" }).click();
    await chat.question.waitFor();

    expectNoRefusals(reports);
    expect(t.blocked).toEqual([]);
  });

  it("the policy is enforced: markup injected into the served HTML runs nothing", async () => {
    const reports = await watchPolicies(t.context);
    // Stands in for an injection bug in rendered content: the server's own HTML and
    // CSP header, with a script and an event handler slipped in (no nonce).
    await t.page.route(`${t.app.url}/`, async (route) => {
      const response = await route.fetch();
      const html = (await response.text()).replace(
        "<body>",
        '<body><script>window.__injected = "script"</script><img src="data:," onerror="window.__injected = \'handler\'">',
      );
      await route.fulfill({ response, body: html });
    });
    await t.page.goto(t.app.url);
    await t.page.getByLabel("Your question").or(t.page.getByRole("region", { name: "Chutes" })).first().waitFor();
    expect(await t.page.evaluate(() => (window as unknown as { __injected?: string }).__injected ?? null)).toBeNull();
    // Both refusals are reported (the first test is the one that asserts nothing else is).
    const inlineRefusals = () => reports.violations.filter((report) => / blocked inline on /.test(report)).map((report) => report.split(" ")[0]).sort();
    await expect.poll(inlineRefusals).toEqual(["script-src-attr", "script-src-elem"]);
  });
});

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An HTTP request with a Host header of our choosing (fetch would not send one). */
function rawRequest(url: string, host: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: options.method ?? "GET", headers: { ...options.headers, host } }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(options.body);
  });
}

describe("Host allow-list (DNS rebinding)", () => {
  const chatBody = () => JSON.stringify({ messages: [{ id: "1", role: "user", parts: [{ type: "text", text: "How do I install Quire?" }] }] });
  const chatHeaders = () => ({ authorization: `Bearer ${t.fakes.keys.chutesKey("rebind")}`, "content-type": "application/json" });
  const appHost = () => new URL(t.app.url).host;

  it("refuses another Host with 421: JSON for the API, a short page otherwise", async () => {
    for (const target of ["/", "/settings", "/api/auth/status", "/api/chat", "/_next/static/chunks/none.js"]) {
      const isChat = target === "/api/chat";
      const response = await rawRequest(`${t.app.url}${target}`, "evil.example", isChat ? { method: "POST", headers: chatHeaders(), body: chatBody() } : {});
      expect(response.status, target).toBe(421);
      expect(response.headers["cache-control"], target).toBe("no-store");
      if (target.startsWith("/api/")) {
        expect(response.headers["content-type"], target).toContain("application/json");
        const body = JSON.parse(response.body) as { error: { code: string; message: string } };
        expect(body.error.code).toBe("bad_request");
        expect(body.error.message).toContain('"evil.example"');
      } else {
        expect(response.headers["content-type"], target).toBe("text/plain; charset=utf-8");
        expect(response.body).toMatch(/^421 Misdirected Request/);
      }
    }
    // Nothing reached the provider.
    expect(t.fakes.requests.filter((request) => request.path === "/chat/completions")).toEqual([]);
  });

  it("does not take X-Forwarded-Host from a client when no proxy is trusted", async () => {
    const response = await rawRequest(`${t.app.url}/api/auth/status`, "evil.example", { headers: { "x-forwarded-host": appHost() } });
    expect(response.status).toBe(421);
    // Nor can a prefetch or an RSC request slip past (they carry the same data as the page).
    const rsc = await rawRequest(`${t.app.url}/`, "evil.example", { headers: { rsc: "1", "next-router-prefetch": "1" } });
    expect(rsc.status).toBe(421);
  });

  it("answers APP_URL's host (and its loopback aliases)", async () => {
    const port = new URL(t.app.url).port;
    for (const host of [appHost(), `localhost:${port}`]) {
      expect((await rawRequest(`${t.app.url}/`, host)).status, host).toBe(200);
      expect((await rawRequest(`${t.app.url}/api/auth/status`, host)).status, host).toBe(200);
    }
    const chat = await rawRequest(`${t.app.url}/api/chat`, appHost(), { method: "POST", headers: chatHeaders(), body: chatBody() });
    expect(chat.status).toBe(200);
    expect(chat.body).toContain("text-delta");
  });
});

describe("behind https", () => {
  let app: AppServer;
  beforeAll(async () => {
    // The harness reaches the app on 127.0.0.1, which APP_URL no longer names.
    app = await startAppServer({ APP_URL: "https://quire.example", QUIRE_ALLOWED_HOSTS: "127.0.0.1" });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("sends HSTS from the APP_URL the server runs with, and answers its host on the default port", async () => {
    const response = await rawRequest(`${app.url}/`, "quire.example");
    expect(response.status).toBe(200);
    expect(response.headers["strict-transport-security"]).toBe("max-age=63072000; includeSubDomains");
    expect((await rawRequest(`${app.url}/`, "quire.example:8443")).status).toBe(421);
    expect((await rawRequest(`${app.url}/`, "evil.example")).status).toBe(421);
  });
});
