import { chromium, type Browser, type BrowserContext } from "playwright-core";

/** Debian's Chromium, headless, with nothing reaching the network on its own. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}

/**
 * A context that fails the test on any request leaving 127.0.0.1 (the network
 * is off: an unexpected outbound request is a bug).
 */
export async function newIsolatedContext(browser: Browser, blocked: string[]): Promise<BrowserContext> {
  const context = await browser.newContext();
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === "127.0.0.1" || url.hostname === "localhost") return route.continue();
    blocked.push(url.href);
    return route.abort();
  });
  return context;
}
