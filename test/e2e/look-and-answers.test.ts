import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { setUpBrowserApp } from "@/test/e2e/support/browser-app";
import { ingestWithCli } from "@/test/support/ingest";
import { ChatPage } from "@/test/e2e/pages/chat-page";
import { darkPalette, lightPalette } from "@/src/shared/theme";
import { watchErrors } from "@/test/e2e/support/console-errors";

/** Two docs, ingested before the app starts: the starter questions come from their titles. */
async function ingestedDocs(env: Record<string, string>): Promise<Record<string, string>> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "quire-e2e-look-"));
  const docsDir = path.join(dataDir, "docs");
  mkdirSync(docsDir, { recursive: true });
  writeFileSync(
    path.join(docsDir, "install.md"),
    "# Installing Quire\n\n## Linux\n\nDownload the tarball, unpack it into /opt/quire and run `quire serve`.\n\n## Upgrades\n\nStop the service, unpack the new tarball over the old one and start it again.\n",
  );
  writeFileSync(path.join(docsDir, "staking.md"), "# Staking\n\nStaking locks tokens for an epoch; rewards are paid at the end of each epoch.\n");
  const appEnv = { ...env, QUIRE_DATA_DIR: dataDir, QUIRE_DOCS_DIR: docsDir, QUIRE_TITLE: "Acme Docs", QUIRE_ACCENT_COLOR: "#e8590c" };
  await ingestWithCli({ ...process.env, ...appEnv });
  return appEnv;
}

const t = setUpBrowserApp((fakes) => ingestedDocs(fakes.env()));

const CODE = "export QUIRE_DOCS_DIR=/opt/quire/docs\nquire serve";
const REPLY = [
  "Install it like this [1]:",
  "",
  "```bash",
  "export QUIRE_DOCS_DIR=/opt/quire/docs",
  "quire serve",
  "```",
  "",
  "| Step | Where |",
  "| --- | --- |",
  "| Unpack | /opt/quire [1] |",
  "",
  "- Then start the service [1].",
].join("\n");

/** Signs in with a fresh key whose answers are `reply`, with `reasoning` first. */
async function connect(reply = REPLY, reasoning: string | null = "The user wants the install steps."): Promise<ChatPage> {
  const key = t.fakes.keys.chutesKey(`look-${Math.random().toString(36).slice(2, 8)}`);
  t.fakes.setBehavior(key, { reply, reasoning });
  await t.context.request.post(`${t.app.url}/api/auth/chutes/key`, { data: { apiKey: key }, headers: { origin: t.app.url } });
  return new ChatPage(t.page);
}

async function setTheme(page: Page, label: "Light" | "Dark"): Promise<void> {
  await page.goto(`${t.app.url}/settings`);
  await page.getByRole("radio", { name: label }).check();
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

interface AxeViolation {
  id: string;
  impact: string | null;
  nodes: { target: string[] }[];
}

/** axe-core in the page (evaluated through the driver, outside the page's CSP), WCAG 2 A/AA rules. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } })).violations;
  });
  return violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`);
}

describe("look and answers, in Chromium", () => {
  it("serves a favicon and the branding, and no page logs a console error", async () => {
    const errors = watchErrors(t.page);
    const icon = await t.context.request.get(`${t.app.url}/logo`);
    expect(icon.status()).toBe(200);
    expect(icon.headers()["content-type"]).toBe("image/svg+xml");
    await connect();
    for (const pathname of ["/", "/settings", "/sources/999999", "/auth/error?reason=access_denied"]) {
      await t.page.goto(`${t.app.url}${pathname}`);
      await t.page.locator("main").first().waitFor();
      expect(await t.page.locator('link[rel="icon"]').getAttribute("href")).toMatch(/^\/logo/);
    }
    await t.page.goto(t.app.url);
    await t.page.getByRole("heading", { name: "Acme Docs", level: 1 }).waitFor();
    expect(await t.page.title()).toBe("Acme Docs");
    expect(errors).toEqual([]);
    expect(t.blocked).toEqual([]);
  });

  it("a starter question drawn from the docs asks on click; the answer renders code, a table and chips, and copies as Markdown", async () => {
    await t.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: t.app.url });
    const chat = await connect();
    await t.page.goto(t.app.url);
    const starters = t.page.getByRole("region", { name: "Try asking" });
    const first = starters.getByRole("button", { name: /Installing Quire/ });
    await first.click();
    await t.page.getByRole("button", { name: "Send" }).waitFor({ timeout: 20_000 });
    expect(await t.page.getByLabel("Your message").first().textContent()).toContain("Installing Quire");
    await expect.poll(() => starters.count()).toBe(0);

    const answer = chat.answers.last();
    await answer.getByRole("button", { name: "Copy answer" }).waitFor();
    // Chips in the paragraph, the table cell and the list item.
    expect(await answer.getByRole("link", { name: /^Source 1:/ }).count()).toBe(3);
    expect(await answer.getByRole("cell", { name: /\/opt\/quire/ }).getByRole("link", { name: /^Source 1:/ }).count()).toBe(1);
    // Highlighted once the highlighter chunk has loaded.
    await answer.locator("code.language-bash span.hljs-built_in").first().waitFor();
    expect(await answer.locator("code.language-bash").textContent()).toBe(CODE);

    await answer.getByRole("button", { name: "Copy code" }).click();
    await expect.poll(() => t.page.evaluate(() => navigator.clipboard.readText())).toBe(CODE);
    await answer.getByRole("button", { name: "Copy answer" }).click();
    const copied = await t.page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toContain("Install it like this [^1]:");
    expect(copied).toContain("| Unpack | /opt/quire [^1] |");
    expect(copied).toMatch(new RegExp(`\\n\\[\\^1\\]: \\[Installing Quire[^\\]]*\\]\\(${t.app.url.replace(/\./g, "\\.")}/sources/\\d+`));

    // The reasoning is folded away.
    const reasoning = answer.locator("details.reasoning");
    expect(await reasoning.evaluate((element) => (element as HTMLDetailsElement).open)).toBe(false);
    await reasoning.getByText("Reasoning").click();
    await answer.getByText("The user wants the install steps.").waitFor();
  });

  it("switches theme in settings; the HTML carries it before any script runs, so a reload paints it at once", async () => {
    await connect();
    await setTheme(t.page, "Dark");
    expect(await t.page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
    const response = await t.page.goto(t.app.url);
    expect((await response?.text()) ?? "").toMatch(/<html[^>]* data-theme="dark"/);
    const background = await t.page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(background).toBe(hexToRgb(darkPalette.bg));
    await setTheme(t.page, "Light");
    await t.page.goto(t.app.url);
    expect(await t.page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).toBe(hexToRgb(lightPalette.bg));
  });

  it("chat and settings have no serious or critical axe violations in either theme, at desktop and phone widths", async () => {
    // Screenshots at both widths go with the test's results; QUIRE_SCREENSHOTS=1 refreshes the README's.
    const screenshotDir = process.env.QUIRE_SCREENSHOTS === "1" ? "docs/screenshots" : "test-results/screenshots";
    mkdirSync(screenshotDir, { recursive: true });
    const chat = await connect();
    await t.page.goto(t.app.url);
    await chat.ask("How do I install Quire?");
    await t.page.getByRole("button", { name: "Copy answer" }).waitFor({ timeout: 20_000 });
    const found: string[] = [];
    for (const theme of ["Light", "Dark"] as const) {
      await setTheme(t.page, theme);
      for (const [view, pathname] of [["settings", "/settings"], ["chat", "/"]] as const) {
        for (const [size, viewport] of [["desktop", { width: 1280, height: 800 }], ["phone", { width: 360, height: 740 }]] as const) {
          await t.page.setViewportSize(viewport);
          await t.page.goto(`${t.app.url}${pathname}`);
          await (view === "chat" ? t.page.getByRole("button", { name: "Copy answer" }) : t.page.getByRole("radio", { name: theme })).waitFor();
          if (view === "chat") await t.page.locator("code.language-bash span").first().waitFor();
          found.push(...(await seriousViolations(t.page)).map((violation) => `${view}/${theme}/${size}: ${violation}`));
          await t.page.screenshot({ path: path.join(screenshotDir, `${view}-${theme.toLowerCase()}-${size}.png`), fullPage: false });
        }
      }
    }
    expect(found).toEqual([]);
  }, 240_000);
});

function hexToRgb(hex: string): string {
  const [red, green, blue] = [1, 3, 5].map((start) => Number.parseInt(hex.slice(start, start + 2), 16));
  return `rgb(${red}, ${green}, ${blue})`;
}
