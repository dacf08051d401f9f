import type { Locator, Page } from "playwright-core";

/** The conversations sidebar: new chat, search, the grouped list and each row's actions. */
export class HistoryPage {
  constructor(private readonly page: Page) {}

  get sidebar(): Locator {
    return this.page.getByRole("navigation", { name: "Conversations" });
  }

  get search(): Locator {
    return this.sidebar.getByLabel("Search conversations");
  }

  /** The buttons that open a conversation, in the order shown. */
  get items(): Locator {
    return this.sidebar.locator(".history-open .history-title");
  }

  async titles(): Promise<string[]> {
    return this.items.allTextContents();
  }

  group(label: string): Locator {
    return this.sidebar.getByRole("region", { name: label });
  }

  async newChat(): Promise<void> {
    await this.sidebar.getByRole("button", { name: "New chat" }).click();
  }

  async open(title: string): Promise<void> {
    await this.items.getByText(title, { exact: true }).click();
  }

  async action(title: string, action: "Rename" | "Pin" | "Unpin" | "Export Markdown" | "Export JSON" | "Delete"): Promise<void> {
    await this.sidebar.getByRole("button", { name: `Actions for ${title}` }).click();
    await this.sidebar.getByRole("group", { name: `Actions for ${title}` }).getByRole("button", { name: action, exact: true }).click();
  }

  async rename(title: string, next: string): Promise<void> {
    await this.action(title, "Rename");
    await this.sidebar.getByLabel("Rename conversation").fill(next);
    await this.sidebar.getByLabel("Rename conversation").press("Enter");
  }
}
