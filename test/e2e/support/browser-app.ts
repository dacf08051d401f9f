import { afterAll, beforeAll, beforeEach } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { startFakeProviders, type FakeProviders } from "@/test/fakes/server";
import { startAppServer, type AppServer } from "@/test/e2e/support/app-server";
import { launchBrowser, newIsolatedContext } from "@/test/e2e/support/browser";

export interface BrowserApp {
  fakes: FakeProviders;
  app: AppServer;
  browser: Browser;
  /** A fresh context (no cookies, no storage) per test. */
  context: BrowserContext;
  page: Page;
  /** Requests the browser tried to send off this machine (each one is a bug). */
  blocked: string[];
}

/**
 * Registers the hooks of a browser test file: fake providers and the built app
 * once per file, a fresh browser context and page per test.
 */
export function setUpBrowserApp(
  appEnv: (fakes: FakeProviders) => Record<string, string> | Promise<Record<string, string>> = () => ({}),
  afterStart: (fakes: FakeProviders, app: AppServer) => void = () => undefined,
): BrowserApp {
  const state = { blocked: [] as string[] } as BrowserApp;
  beforeAll(async () => {
    state.fakes = await startFakeProviders();
    state.app = await startAppServer({ ...state.fakes.env(), ...(await appEnv(state.fakes)) });
    afterStart(state.fakes, state.app);
    state.browser = await launchBrowser();
  });
  afterAll(async () => {
    await state.browser?.close();
    await state.app?.stop();
    await state.fakes?.close();
  });
  beforeEach(async () => {
    state.fakes.reset();
    await state.context?.close();
    state.context = await newIsolatedContext(state.browser, state.blocked);
    state.page = await state.context.newPage();
  });
  return state;
}
