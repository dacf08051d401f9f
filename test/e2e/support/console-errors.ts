import type { Page } from "playwright-core";

/** Console errors (with where they came from) and uncaught exceptions of a page, from now on: each one is a bug. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`${message.text()} @ ${message.location().url}`);
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}
