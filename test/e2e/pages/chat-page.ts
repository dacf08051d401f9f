import type { Locator, Page } from "playwright-core";

/** The chat: header, conversation and composer. */
export class ChatPage {
  constructor(private readonly page: Page) {}

  get question(): Locator {
    return this.page.getByLabel("Your question");
  }

  get badge(): Locator {
    return this.page.locator("header.chat-header").getByTestId("method-badge");
  }

  get answers(): Locator {
    return this.page.getByTestId("answer");
  }

  get errorCard(): Locator {
    return this.page.getByTestId("error-card");
  }

  get stopButton(): Locator {
    return this.page.getByRole("button", { name: "Stop" });
  }

  async ask(text: string): Promise<void> {
    await this.question.fill(text);
    await this.page.getByRole("button", { name: "Send", exact: true }).click();
  }

  /** Settings sits in the header on a wide screen, behind "More" on a phone. */
  async openSettings(): Promise<void> {
    const more = this.page.getByRole("button", { name: "More" });
    if (await more.isVisible()) await more.click();
    await this.page.getByRole("button", { name: "Settings" }).click();
  }
}
