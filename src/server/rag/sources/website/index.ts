import "server-only";
import { createHash } from "node:crypto";
import { mkdir, readFile, rm, rmdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import robotsParser from "robots-parser";
import { stringify } from "yaml";
import { z } from "zod";
import { type MaterialisedSource, type MaterialiseProgress, type SourceNotice, SourceUnavailableError } from "@/src/server/rag/sources/types";
import { extractPage } from "@/src/server/rag/sources/website/extract";
import { type HttpOptions, politeGet } from "@/src/server/rag/sources/website/http";
import { type Manifest, type ManifestPage, readManifest, writeManifest } from "@/src/server/rag/sources/website/manifest";
import { isoDate, parseSitemap, type SitemapEntry, sitemapText } from "@/src/server/rag/sources/website/sitemap";
import { assignFileNames, crawlPrefix, hasNonHtmlExtension, inScope, normaliseUrl } from "@/src/server/rag/sources/website/urls";

export interface WebsiteSourceOptions {
  /** Exactly one of: a sitemap URL (sitemap index files supported, also .xml.gz) or a start page to crawl from. */
  sitemap?: string;
  start?: string;
  /** Folder for the markdown pages and the manifest, e.g. path.join(QUIRE_DATA_DIR, "sources", name); reused by later syncs. */
  outputDir: string;
  /** Most pages requested in one sync; default 1000. */
  maxPages?: number;
  /** Crawl depth from the start page (links followed), default 5; ignored for a sitemap. */
  maxDepth?: number;
  /** Requests in flight at once; default 4. */
  concurrency?: number;
  /** Pause of each worker after each request, default 250 ms (a larger robots.txt Crawl-delay wins). */
  delayMs?: number;
  /** Sent with every request and matched against robots.txt groups. */
  userAgent?: string;
  /** Per request, default 20 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  onProgress?: MaterialiseProgress;
  signal?: AbortSignal;
}

export interface MaterialisedWebsite extends MaterialisedSource {
  /** Pages in the folder after the sync. */
  pages: number;
  /** Pages that answered 200 (whether or not their content had changed). */
  fetched: number;
  /** Pages that answered 304 to a conditional request. */
  notModified: number;
  /** Pages not requested at all because their sitemap lastmod had not changed. */
  skippedUnchanged: number;
}

export const DEFAULT_USER_AGENT = "QuireBot/0.1 (+https://github.com/quire)";
/** A robots.txt Crawl-delay above this is capped: a sync must finish in reasonable time. */
const MAX_CRAWL_DELAY_MS = 30_000;

const optionsSchema = z.object({
  sitemap: z.string().url().optional(),
  start: z.string().url().optional(),
  outputDir: z.string().min(1),
  maxPages: z.number().int().positive().default(1000),
  maxDepth: z.number().int().nonnegative().default(5),
  concurrency: z.number().int().positive().max(64).default(4),
  delayMs: z.number().nonnegative().default(250),
  userAgent: z.string().min(1).default(DEFAULT_USER_AGENT),
  timeoutMs: z.number().positive().default(20_000),
}).refine((value) => (value.sitemap === undefined) !== (value.start === undefined), { message: "give exactly one of sitemap and start" });

/** What one requested URL came to. */
type Outcome =
  | { kind: "keep"; page: ManifestPage }
  | { kind: "new"; page: ManifestPage; markdown: string }
  | { kind: "dropped" };

interface Robots {
  allowed(url: URL): boolean;
}

/** The product token robots.txt groups are matched on: `QuireBot/0.1 (+…)` → `QuireBot`. */
export function robotsAgent(userAgent: string): string {
  return userAgent.trim().split(/[\s/]/)[0] || "*";
}

/** The page file: YAML frontmatter (title, page_url, updated_at when known) and the Markdown. */
export function pageFile(page: Pick<ManifestPage, "title" | "pageUrl" | "updatedAt">, markdown: string): string {
  const frontmatter: Record<string, string> = { title: page.title, page_url: page.pageUrl };
  if (page.updatedAt) frontmatter.updated_at = page.updatedAt;
  return `---\n${stringify(frontmatter, { lineWidth: 0 })}---\n\n${markdown}`;
}

function contentHash(title: string, pageUrl: string, markdown: string): string {
  return createHash("sha256").update(`${title}\0${pageUrl}\0${markdown}`).digest("hex");
}

/**
 * The body as text, in the charset the Content-Type names, else the one a <meta> in the
 * first kilobyte names, else UTF-8 (also when the name is unknown).
 */
export function decodeBody(body: Uint8Array, contentType: string): string {
  const head = new TextDecoder("latin1").decode(body.subarray(0, 1024));
  const charset = /charset=["']?([\w-]+)/i.exec(contentType)?.[1] ?? /<meta[^>]+charset=["']?([\w-]+)/i.exec(head)?.[1] ?? "utf-8";
  try {
    return new TextDecoder(charset).decode(body);
  } catch {
    return new TextDecoder().decode(body);
  }
}

async function fileExists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Runs `work` on every item with `concurrency` workers, each pausing `delayMs` after each item. */
async function runPool<T>(items: readonly T[], concurrency: number, delayMs: () => number, signal: AbortSignal | undefined, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      signal?.throwIfAborted();
      const item = items[next++]!;
      await work(item);
      if (next < items.length && delayMs() > 0) await sleep(delayMs(), undefined, { signal });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/**
 * Brings a website into `outputDir` as one Markdown file per page, from its sitemap or by
 * crawling from a start page, re-fetching as little as it can on later syncs. Nothing in the
 * folder changes until every page has been fetched; a sitemap, start page or robots.txt that
 * cannot be read throws SourceUnavailableError and leaves the folder as it was.
 */
export async function materialiseWebsite(input: WebsiteSourceOptions): Promise<MaterialisedWebsite> {
  const parsed = optionsSchema.safeParse(input);
  if (!parsed.success) throw new TypeError(`website source: ${parsed.error.issues.map((issue) => issue.message).join("; ")}`);
  const options = parsed.data;
  const root = normaliseUrl(options.sitemap ?? options.start ?? "");
  if (root === null) throw new TypeError("website source: the sitemap or start URL must be http(s)");
  const origin = root.origin;
  const outputDir = path.resolve(options.outputDir);
  const signal = input.signal;
  const http: HttpOptions = { fetch: input.fetch ?? fetch, userAgent: options.userAgent, timeoutMs: options.timeoutMs, origin, signal };
  const notices: SourceNotice[] = [];
  const noticed = new Set<string>();
  const notice = (where: string, message: string): void => {
    const key = `${where}\0${message}`;
    if (noticed.has(key)) return;
    noticed.add(key);
    notices.push({ where, message });
  };
  let delayMs = options.delayMs;

  const previous = await readManifest(outputDir);
  const robots = await loadRobots(origin, http, robotsAgent(options.userAgent), (crawlDelay) => {
    if (crawlDelay > delayMs) {
      delayMs = Math.min(crawlDelay, MAX_CRAWL_DELAY_MS);
      notice(`${origin}/robots.txt`, `Crawl-delay of ${crawlDelay / 1000} s honoured${crawlDelay > MAX_CRAWL_DELAY_MS ? ` (capped at ${MAX_CRAWL_DELAY_MS / 1000} s)` : ""}`);
    }
  });

  const counts = { fetched: 0, notModified: 0, skippedUnchanged: 0 };
  const outcomes = new Map<string, Outcome>();
  let done = 0;
  let total: number | null = null;

  /** Fetches one page (or decides it need not) and records what it came to. */
  const visit = async (requested: URL, lastmod: string | null): Promise<Outcome> => {
    const key = requested.href;
    const old = previous.pages[key];
    const oldFile = old !== undefined && (await fileExists(path.join(outputDir, old.file))) ? old : undefined;
    const outcome = await fetchPage(requested, lastmod, oldFile);
    outcomes.set(key, outcome);
    done++;
    input.onProgress?.({ stage: "fetch", done, total, item: key });
    return outcome;
  };

  const fetchPage = async (requested: URL, lastmod: string | null, old: ManifestPage | undefined, conditional = true): Promise<Outcome> => {
    const where = requested.href;
    if (old && lastmod !== null && old.lastmod === lastmod) {
      counts.skippedUnchanged++;
      return { kind: "keep", page: old };
    }
    const result = await politeGet(requested, conditional && old ? { etag: old.etag, lastModified: old.lastModified } : {}, http);
    switch (result.kind) {
      case "off-origin":
        notice(where, `redirects off the site (to ${result.location}); skipped`);
        return { kind: "dropped" };
      case "failed":
        if (!result.gone && old) {
          notice(where, `${result.message}; kept the copy from the previous sync`);
          return { kind: "keep", page: old };
        }
        notice(where, `${result.message}; skipped`);
        return { kind: "dropped" };
      case "not-modified":
        if (!old) return conditional ? fetchPage(requested, lastmod, old, false) : { kind: "dropped" };
        counts.notModified++;
        return { kind: "keep", page: { ...old, lastmod } };
      case "ok":
        break;
    }
    const pageUrl = normaliseUrl(result.url.href)!;
    if (result.redirected && !robots.allowed(pageUrl)) {
      notice(where, `redirects to ${pageUrl.href}, which robots.txt disallows; skipped`);
      return { kind: "dropped" };
    }
    const mediaType = result.contentType.split(";")[0]!.trim().toLowerCase();
    if (mediaType !== "text/html" && mediaType !== "application/xhtml+xml") {
      notice(where, `is ${mediaType || "of no declared type"}, not HTML; skipped`);
      return { kind: "dropped" };
    }
    counts.fetched++;
    const extracted = extractPage(decodeBody(result.body, result.contentType), pageUrl);
    const hash = contentHash(extracted.title, pageUrl.href, extracted.markdown);
    // Only a crawl needs the links again (to go on through a page that answers 304 next time).
    const links = options.sitemap !== undefined ? [] : extracted.links.filter((link) => inScope(new URL(link), origin, crawlPrefix(root)));
    const validators = { etag: result.etag, lastModified: result.lastModified, lastmod, links };
    // Same text as last time: the file stays byte for byte, so the ingest's checksum does too.
    if (old && old.hash === hash) return { kind: "keep", page: { ...old, ...validators } };
    const page: ManifestPage = {
      pageUrl: pageUrl.href, file: "", title: extracted.title, hash, ...validators,
      updatedAt: lastmod ?? isoDate(result.lastModified),
    };
    return { kind: "new", page, markdown: extracted.markdown };
  };

  const order: string[] = [];
  if (options.sitemap !== undefined) {
    const entries = await readSitemaps(root, http, notice);
    const wanted = selectEntries(entries, origin, robots, options.maxPages, notice);
    // A CMS hiccup serving an empty sitemap would otherwise drop every page of the source.
    if (wanted.length === 0 && Object.keys(previous.pages).length > 0) {
      throw new SourceUnavailableError(`the sitemap ${root.href} lists no page of this site now; keeping the ${Object.keys(previous.pages).length} pages of the previous sync`);
    }
    total = wanted.length;
    order.push(...wanted.map((entry) => entry.url.href));
    await runPool(wanted, options.concurrency, () => delayMs, signal, async (entry) => {
      await visit(entry.url, entry.lastmod);
    });
  } else {
    if (!robots.allowed(root)) throw new SourceUnavailableError(`robots.txt disallows the start page ${root.href} for ${robotsAgent(options.userAgent)}`);
    const first = await visit(root, null);
    if (first.kind === "dropped") {
      const reason = notices.find((entry) => entry.where === root.href)?.message ?? "could not be fetched";
      throw new SourceUnavailableError(`the start page ${root.href} ${reason.replace(/; skipped$/, "")}`);
    }
    order.push(root.href);
    await crawl(root, first, options, robots, notice, signal, () => delayMs, order, visit);
  }

  // Two requested URLs that end on the same page (a redirect, an alias) give one file.
  const byPageUrl = new Map<string, { requested: string; outcome: Exclude<Outcome, { kind: "dropped" }> }>();
  for (const requested of order) {
    const outcome = outcomes.get(requested);
    if (!outcome || outcome.kind === "dropped") continue;
    const existing = byPageUrl.get(outcome.page.pageUrl);
    if (existing) {
      notice(requested, `is the same page as ${existing.requested}; kept once`);
      continue;
    }
    byPageUrl.set(outcome.page.pageUrl, { requested, outcome });
  }

  const previousNames = new Map(Object.values(previous.pages).map((page) => [page.pageUrl, page.file] as const));
  const names = assignFileNames([...byPageUrl.keys()], previousNames);
  const next: Manifest = { version: 1, pages: {} };
  const writes: { file: string; text: string }[] = [];
  for (const [pageUrl, { requested, outcome }] of byPageUrl) {
    const file = names.get(pageUrl)!;
    if (outcome.kind === "new") writes.push({ file, text: pageFile(outcome.page, outcome.markdown) });
    // A kept page whose name changed (a collision resolved differently) moves; read it before anything is written.
    else if (outcome.page.file !== file) writes.push({ file, text: await readFile(path.join(outputDir, outcome.page.file), "utf8") });
    next.pages[requested] = { ...outcome.page, file };
  }

  await mkdir(outputDir, { recursive: true });
  for (const { file, text } of writes) {
    const target = path.join(outputDir, file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, text);
  }
  const kept = new Set(Object.values(next.pages).map((page) => page.file));
  for (const page of Object.values(previous.pages)) {
    if (!kept.has(page.file)) await removeFile(outputDir, page.file);
  }
  await writeManifest(outputDir, next);

  return describe(outputDir, origin, next, notices, counts);
}

function describe(outputDir: string, origin: string, manifest: Manifest, notices: SourceNotice[], counts: { fetched: number; notModified: number; skippedUnchanged: number }): MaterialisedWebsite {
  const byFile = new Map(Object.values(manifest.pages).map((page) => [page.file, page] as const));
  const lastmods = Object.values(manifest.pages).map((page) => page.lastmod).filter((value): value is string => value !== null);
  const revision = lastmods.reduce<string | null>((newest, value) => (newest === null || Date.parse(value) > Date.parse(newest) ? value : newest), null);
  return {
    dir: outputDir,
    revision,
    citationKey: `site:${origin}`,
    citationUrl(relativePath, anchor) {
      const page = byFile.get(relativePath.split(path.sep).join("/"));
      return page ? page.pageUrl + (anchor ? `#${anchor}` : "") : null;
    },
    updatedAt(relativePath) {
      return byFile.get(relativePath.split(path.sep).join("/"))?.updatedAt ?? null;
    },
    notices,
    pages: byFile.size,
    ...counts,
  };
}

/** Removes a page file of an earlier sync, and the folders it leaves empty (up to the output folder). */
async function removeFile(outputDir: string, file: string): Promise<void> {
  const target = path.resolve(outputDir, file);
  if (!target.startsWith(outputDir + path.sep)) return;
  await rm(target, { force: true });
  for (let folder = path.dirname(target); folder.startsWith(outputDir + path.sep); folder = path.dirname(folder)) {
    try {
      await rmdir(folder);
    } catch {
      break;
    }
  }
}

/**
 * robots.txt per RFC 9309: a 4xx means no rules; a 5xx or an unreachable server means
 * the crawler must not crawl, so the sync stops before anything changes.
 */
async function loadRobots(origin: string, http: HttpOptions, agent: string, onCrawlDelay: (milliseconds: number) => void): Promise<Robots> {
  const url = new URL("/robots.txt", origin);
  const result = await politeGet(url, {}, http);
  if (result.kind === "failed" && result.status !== null && result.status >= 400 && result.status < 500) return { allowed: () => true };
  if (result.kind === "off-origin") return { allowed: () => true };
  if (result.kind !== "ok") throw new SourceUnavailableError(`${url.href} could not be read (${result.kind === "failed" ? result.message : "304"}); not crawling without it`);
  const rules = robotsParser(result.url.href, new TextDecoder().decode(result.body));
  const crawlDelay = rules.getCrawlDelay(agent);
  if (crawlDelay !== undefined && crawlDelay > 0) onCrawlDelay(crawlDelay * 1000);
  return { allowed: (page) => rules.isAllowed(page.href, agent) !== false };
}

/** Sitemap index files nest at most this deep (an index of indexes); deeper is a loop or a mistake. */
const MAX_SITEMAP_DEPTH = 3;

/**
 * Every entry of the sitemap and, for an index, of its child sitemaps. Any sitemap that
 * cannot be read makes the whole source unavailable: going on without it would remove
 * its pages from the index.
 */
async function readSitemaps(root: URL, http: HttpOptions, notice: (where: string, message: string) => void): Promise<SitemapEntry[]> {
  const entries: SitemapEntry[] = [];
  const seen = new Set<string>();
  const read = async (url: URL, depth: number): Promise<void> => {
    if (seen.has(url.href)) return;
    seen.add(url.href);
    const result = await politeGet(url, {}, http);
    if (result.kind === "off-origin") throw new SourceUnavailableError(`the sitemap ${url.href} redirects off the site (to ${result.location})`);
    if (result.kind !== "ok") throw new SourceUnavailableError(`the sitemap ${url.href} could not be fetched (${result.kind === "failed" ? result.message : "304"})`);
    let sitemap: ReturnType<typeof parseSitemap>;
    try {
      sitemap = parseSitemap(sitemapText(result.body));
    } catch (error) {
      throw new SourceUnavailableError(`the sitemap ${url.href} could not be decompressed`, { cause: error });
    }
    if (sitemap === null) throw new SourceUnavailableError(`${url.href} is not a sitemap (no <urlset> or <sitemapindex>)`);
    if (sitemap.kind === "urlset") {
      entries.push(...sitemap.urls);
      return;
    }
    if (depth >= MAX_SITEMAP_DEPTH) {
      notice(url.href, `sitemap index nested deeper than ${MAX_SITEMAP_DEPTH}; its children were not read`);
      return;
    }
    for (const child of sitemap.sitemaps) {
      const childUrl = normaliseUrl(child, url);
      if (childUrl === null || childUrl.origin !== root.origin) {
        notice(child, "sitemap on another origin; not read");
        continue;
      }
      await read(childUrl, depth + 1);
    }
  };
  await read(root, 0);
  return entries;
}

/** The sitemap's pages that will be requested: same origin, HTML by extension, allowed by robots.txt, deduplicated, at most `maxPages`. */
function selectEntries(entries: SitemapEntry[], origin: string, robots: Robots, maxPages: number, notice: (where: string, message: string) => void): { url: URL; lastmod: string | null }[] {
  const wanted = new Map<string, { url: URL; lastmod: string | null }>();
  let over = 0;
  for (const entry of entries) {
    const url = normaliseUrl(entry.loc);
    if (url === null) notice(entry.loc, "not an http(s) URL; skipped");
    else if (url.origin !== origin) notice(url.href, "on another origin than the sitemap; skipped");
    else if (hasNonHtmlExtension(url)) notice(url.href, "not an HTML page (by its extension); skipped");
    else if (!robots.allowed(url)) notice(url.href, "disallowed by robots.txt; skipped");
    else if (wanted.has(url.href)) continue;
    else if (wanted.size >= maxPages) over++;
    else wanted.set(url.href, { url, lastmod: entry.lastmod });
  }
  if (over > 0) notice(origin, `stopped at maxPages (${maxPages}); ${over} more sitemap pages not fetched`);
  return [...wanted.values()];
}

/**
 * Breadth first from the start page, one depth at a time so the pages chosen under
 * maxPages are the same on every run, whatever order the responses come back in.
 */
async function crawl(
  root: URL, first: Outcome, options: { maxPages: number; maxDepth: number; concurrency: number }, robots: Robots,
  notice: (where: string, message: string) => void, signal: AbortSignal | undefined, delayMs: () => number,
  order: string[], visit: (url: URL, lastmod: string | null) => Promise<Outcome>,
): Promise<void> {
  const origin = root.origin;
  const prefix = crawlPrefix(root);
  const seen = new Set<string>([root.href]);
  let level: { url: URL; outcome: Outcome }[] = [{ url: root, outcome: first }];
  let over = 0;
  for (let depth = 1; depth <= options.maxDepth && level.length > 0; depth++) {
    const nextUrls: URL[] = [];
    for (const { outcome } of level) {
      if (outcome.kind === "dropped") continue;
      for (const link of outcome.page.links) {
        const url = normaliseUrl(link);
        if (url === null || seen.has(url.href) || !inScope(url, origin, prefix)) continue;
        seen.add(url.href);
        if (hasNonHtmlExtension(url)) notice(url.href, "not an HTML page (by its extension); skipped");
        else if (!robots.allowed(url)) notice(url.href, "disallowed by robots.txt; skipped");
        else if (order.length + nextUrls.length >= options.maxPages) over++;
        else nextUrls.push(url);
      }
    }
    order.push(...nextUrls.map((url) => url.href));
    const results = new Map<string, Outcome>();
    await runPool(nextUrls, options.concurrency, delayMs, signal, async (url) => {
      results.set(url.href, await visit(url, null));
    });
    level = nextUrls.map((url) => ({ url, outcome: results.get(url.href)! }));
  }
  if (over > 0) notice(root.href, `stopped at maxPages (${options.maxPages}); ${over} more links not followed`);
}
