import "server-only";
import { Readability } from "@mozilla/readability";
import { tables, strikethrough, taskListItems } from "@joplin/turndown-plugin-gfm";
import { parseHTML } from "linkedom";
import TurndownService from "turndown";
import { normaliseUrl } from "@/src/server/rag/sources/website/urls";

export interface ExtractedPage {
  title: string;
  /** The main content as Markdown, starting with the page's `#` heading. */
  markdown: string;
  /** Every <a href> of the whole page (not only the main content), absolute, without fragment, in document order. */
  links: string[];
}

const HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"] as const;
const H1_MARK = "quire-h1";

/** Characters docs generators put in a heading's self-link ("permalink") marker. */
const PERMALINK_TEXT = /^[\s\u200b#¶§🔗⚓]*$/u;

// linkedom's element type differs from lib.dom's in small ways; this is the part used here.
type Element = ReturnType<ReturnType<typeof parseHTML>["document"]["createElement"]>;

function absolutise(document: ReturnType<typeof parseHTML>["document"], base: URL): void {
  for (const [selector, attribute] of [["[href]", "href"], ["[src]", "src"]] as const) {
    for (const element of document.querySelectorAll(selector) as Iterable<Element>) {
      const value = element.getAttribute(attribute);
      if (value === null || /^(mailto:|tel:|data:|javascript:)/i.test(value.trim())) continue;
      try {
        element.setAttribute(attribute, new URL(value, base).href);
      } catch {
        element.removeAttribute(attribute);
      }
    }
  }
  // Lazy-loaded images keep the real address in data-src.
  for (const image of document.querySelectorAll("img[data-src]") as Iterable<Element>) {
    try {
      image.setAttribute("src", new URL(image.getAttribute("data-src") ?? "", base).href);
    } catch {
      // An unusable data-src leaves the image as it was.
    }
  }
}

/**
 * Gives every heading its real anchor as an id (generators often put it on an inner
 * <a id> or <a name>) and removes the self-link markers that would otherwise end up in
 * the heading text.
 */
function prepareHeadings(document: ReturnType<typeof parseHTML>["document"], pageUrl: URL): void {
  for (const heading of document.querySelectorAll(HEADINGS.join(",")) as Iterable<Element>) {
    // Readability turns every <h1> of the content into an <h2>; the class (kept, keepClasses) says what it was.
    if (heading.tagName === "H1") heading.setAttribute("class", `${heading.getAttribute("class") ?? ""} ${H1_MARK}`.trim());
    if (!heading.getAttribute("id")) {
      const inner = heading.querySelector("[id], a[name]");
      const id = inner?.getAttribute("id") || inner?.getAttribute("name");
      if (id) heading.setAttribute("id", id);
    }
    const id = heading.getAttribute("id");
    for (const link of heading.querySelectorAll("a[href]") as Iterable<Element>) {
      const href = link.getAttribute("href") ?? "";
      const target = normaliseUrl(href);
      const selfLink = id !== null && target !== null && target.href === normaliseUrl(pageUrl.href)?.href && href.endsWith(`#${id}`);
      if (selfLink && PERMALINK_TEXT.test(link.textContent ?? "")) link.remove();
    }
  }
}

/** The fenced code block's language, from the class conventions highlighters use. */
function codeLanguage(pre: HTMLElement): string {
  const code = pre.querySelector("code");
  const classes = `${code?.getAttribute("class") ?? ""} ${pre.getAttribute("class") ?? ""} ${pre.parentElement?.getAttribute("class") ?? ""}`;
  const fromClass = /(?:^|\s)(?:language|lang|highlight-source|highlight)-([\w+#.-]+)/.exec(classes)?.[1];
  return fromClass ?? code?.getAttribute("data-lang") ?? pre.getAttribute("data-language") ?? "";
}

let service: TurndownService | null = null;

function turndown(): TurndownService {
  if (service) return service;
  const created = new TurndownService({ headingStyle: "atx", codeBlockStyle: "fenced", bulletListMarker: "-", emDelimiter: "_" });
  created.use([tables, strikethrough, taskListItems]);
  created.remove(["script", "style", "noscript", "template", "button"]);
  created.addRule("heading-with-anchor", {
    filter: [...HEADINGS],
    replacement(content, node) {
      const level = (node.getAttribute("class") ?? "").split(/\s+/).includes(H1_MARK) ? 1 : Number(node.nodeName.slice(1));
      const text = content.replace(/\s+/g, " ").trim();
      if (text === "") return "";
      const id = node.getAttribute("id");
      // The chunker reads `{#id}` as the section's anchor; an id with spaces or braces could not be written so.
      const anchor = id && /^[^\s{}]+$/.test(id) ? ` {#${id}}` : "";
      return `\n\n${"#".repeat(level)} ${text}${anchor}\n\n`;
    },
  });
  created.addRule("fenced-code-with-language", {
    filter: (node) => node.nodeName === "PRE",
    replacement(_content, node) {
      const code = node.textContent.replace(/\n$/, "");
      const longestRun = Math.max(2, ...Array.from(code.matchAll(/`+/g), (match) => match[0].length));
      const fence = "`".repeat(longestRun + 1);
      return `\n\n${fence}${codeLanguage(node)}\n${code}\n${fence}\n\n`;
    },
  });
  service = created;
  return created;
}

/** The page's title: its first <h1>, else the Readability title, else <title>, else the URL path. */
function pageTitle(h1: string | null, readabilityTitle: string | null | undefined, titleTag: string, url: URL): string {
  for (const candidate of [h1, readabilityTitle, titleTag]) {
    const text = candidate?.replace(/\s+/g, " ").trim();
    if (text) return text;
  }
  return url.pathname;
}

/** linkedom's document is a DOM document for Readability's purposes; its own types just do not say so. */
function isDomDocument(value: unknown): value is Document {
  return typeof value === "object" && value !== null && "documentElement" in value && "querySelectorAll" in value;
}

/** Main content of an HTML page as Markdown, with heading anchors, fenced code and absolute links. */
export function extractPage(html: string, pageUrl: URL): ExtractedPage {
  const { document } = parseHTML(html);
  const baseHref = document.querySelector("base[href]")?.getAttribute("href");
  const base = (baseHref ? normaliseUrl(baseHref, pageUrl) : null) ?? pageUrl;
  absolutise(document, base);
  prepareHeadings(document, pageUrl);

  const links: string[] = [];
  for (const anchor of document.querySelectorAll("a[href]") as Iterable<Element>) {
    const url = normaliseUrl(anchor.getAttribute("href") ?? "");
    if (url) links.push(url.href);
  }

  const h1 = document.querySelector("h1") as Element | null;
  const h1Text = h1?.textContent ?? null;
  const h1Id = h1?.getAttribute("id") ?? null;
  const titleTag = document.querySelector("title")?.textContent ?? "";
  // Readability changes the document it reads; the fallback needs the untouched body.
  const fallback = (document.querySelector("main, [role=main], article") ?? document.body)?.innerHTML ?? "";
  if (!isDomDocument(document)) throw new TypeError("linkedom did not produce a document");
  const article = new Readability(document, { keepClasses: true }).parse();
  const title = pageTitle(h1Text, article?.title, titleTag, pageUrl);
  const contentHtml = article?.content && (article.textContent ?? "").trim() !== "" ? article.content : fallback;

  let markdown = turndown().turndown(contentHtml).trim();
  // Readability drops the <h1> it takes as the title; the page keeps it as its top heading.
  if (!/^# /m.test(markdown)) {
    const anchor = h1Id && /^[^\s{}]+$/.test(h1Id) ? ` {#${h1Id}}` : "";
    markdown = `# ${title}${anchor}\n\n${markdown}`;
  }
  return { title, markdown: `${markdown}\n`, links };
}
