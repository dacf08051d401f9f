import type { Locator, Page } from "playwright-core";

/** The provider cards: the first-run screen and Settings. */
export class SetupPage {
  constructor(private readonly page: Page) {}

  card(provider: "Chutes" | "OpenRouter"): Locator {
    return this.page.getByRole("region", { name: provider });
  }

  badge(provider: "Chutes" | "OpenRouter"): Locator {
    return this.card(provider).getByTestId("method-badge");
  }

  keyInput(provider: "Chutes" | "OpenRouter"): Locator {
    return this.card(provider).getByLabel(`${provider} API key`);
  }

  async openAdvanced(): Promise<void> {
    const details = this.card("Chutes").locator("details.advanced");
    if (!(await details.evaluate((element) => (element as HTMLDetailsElement).open))) {
      await this.card("Chutes").getByText("Advanced options").click();
    }
  }

  async enterKey(provider: "Chutes" | "OpenRouter", key: string): Promise<void> {
    if (provider === "Chutes") await this.openAdvanced();
    await this.keyInput(provider).fill(key);
    await this.card(provider).getByRole("button", { name: "Save key" }).click();
  }

  async removeKey(provider: "Chutes" | "OpenRouter"): Promise<void> {
    await this.card(provider).getByRole("button", { name: "Remove key" }).click();
    await this.card(provider).getByRole("button", { name: "Yes, remove" }).click();
  }

  alert(provider: "Chutes" | "OpenRouter"): Locator {
    return this.card(provider).getByRole("alert");
  }
}
