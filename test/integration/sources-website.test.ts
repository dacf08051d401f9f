import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chunkDocument } from "@/src/server/rag/chunk/chunker";
import { listDocumentFiles, parseDocument } from "@/src/server/rag/load/load-documents";
import { SourceUnavailableError } from "@/src/server/rag/sources/types";
import { materialiseWebsite, type WebsiteSourceOptions } from "@/src/server/rag/sources/website";

interface Reply {
  /** Never answered (until the server closes), for timeouts. */
  hang?: boolean;
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}
type Route = (headers: IncomingHttpHeaders) => Reply;

/** A fixture site on 127.0.0.1 whose routes the tests change between syncs; it records every request. */
const routes = new Map<string, Route>();
const requests: { path: string; headers: IncomingHttpHeaders }[] = [];
let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const url = request.url ?? "/";
    requests.push({ path: url, headers: request.headers });
    const route = routes.get(url);
    const reply: Reply = route ? route(request.headers) : { status: 404, body: "not found" };
    if (reply.hang) return;
    response.writeHead(reply.status ?? 200, reply.headers ?? {});
    response.end(reply.body ?? "");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const html = (title: string, main: string, extraHead = ""): Reply => ({
  headers: { "content-type": "text/html; charset=utf-8" },
  body: `<!doctype html><html><head><title>${title} | Fixture Docs</title>${extraHead}</head><body>
<nav><a href="/docs/">Docs home</a> <a href="/blog/">Blog</a></nav>
<main><article>${main}</article></main><footer>© Fixture</footer></body></html>`,
});

const filler = (topic: string) => `<p>${`This paragraph explains ${topic} in enough words for the reader view to take it as the article. `.repeat(6)}</p>`;

function sitemap(entries: { path: string; lastmod?: string }[]): string {
  const urls = entries.map((entry) => `<url><loc>${origin}${entry.path.replace(/&/g, "&amp;")}</loc>${entry.lastmod ? `<lastmod>${entry.lastmod}</lastmod>` : ""}</url>`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls.join("")}</urlset>`;
}

const xml = (body: string): Reply => ({ headers: { "content-type": "application/xml" }, body });

function installPage(): Reply {
  return html("Install", `<h1 id="install-guide">Install <a class="anchor" href="#install-guide">#</a></h1>${filler("installation")}
<h2><a id="setup-linux"></a>On Linux</h2>${filler("linux")}
<p>See <a href="../config">the config</a> and <img src="img/arch.png" alt="Architecture"> or <a href="#setup-linux">this section</a>.</p>
<pre><code class="language-bash">./qnode --setup
echo \`done\`</code></pre>
<h3 id="options">Options</h3>
<table><thead><tr><th>Flag</th><th>Meaning</th></tr></thead><tbody><tr><td>--setup</td><td>first run</td></tr></tbody></table>`);
}

let docsSitemap: { path: string; lastmod?: string }[];
let etagVersion: string;

function defineSite(): void {
  routes.clear();
  docsSitemap = [
    { path: "/docs/", lastmod: "2024-01-01" },
    { path: "/docs/guide/install", lastmod: "2024-02-01T10:00:00+02:00" },
    { path: "/docs/old-page", lastmod: "2024-01-05" },
    { path: "/docs/away", lastmod: "2024-01-05" },
    { path: "/docs/missing", lastmod: "2024-01-05" },
    { path: "/docs/manual.pdf", lastmod: "2024-01-05" },
    { path: "/docs/plain", lastmod: "2024-01-05" },
    { path: "/docs/logo", lastmod: "2024-01-05" },
    { path: "/private/secret", lastmod: "2024-01-05" },
    { path: "/docs/etag-page" },
  ];
  etagVersion = '"v1"';
  routes.set("/robots.txt", () => ({ headers: { "content-type": "text/plain" }, body: "User-agent: *\nDisallow: /private/\n" }));
  routes.set("/sitemap.xml", () => xml(`<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>${origin}/sitemap-docs.xml</loc></sitemap><sitemap><loc>${origin}/sitemap-blog.xml.gz</loc></sitemap></sitemapindex>`));
  routes.set("/sitemap-docs.xml", () => xml(sitemap(docsSitemap)));
  routes.set("/sitemap-blog.xml.gz", () => ({ headers: { "content-type": "application/gzip" }, body: gzipSync(sitemap([{ path: "/blog/post?b=2&a=1", lastmod: "2024-03-01" }])) }));
  routes.set("/docs/", () => html("Docs", `<h1>Docs</h1>${filler("the docs")}<p><a href="guide/install">Install</a></p>`));
  routes.set("/docs/guide/install", installPage);
  routes.set("/docs/old-page", () => ({ status: 301, headers: { location: "/docs/new-page" } }));
  routes.set("/docs/new-page", () => html("New page", `<h1>New page</h1>${filler("moving")}`));
  routes.set("/docs/away", () => ({ status: 302, headers: { location: "http://elsewhere.invalid/docs/away" } }));
  routes.set("/docs/plain", () => ({ headers: { "content-type": "text/plain" }, body: "plain text" }));
  routes.set("/docs/logo", () => ({ headers: { "content-type": "image/png" }, body: Buffer.from([0x89, 0x50]) }));
  routes.set("/private/secret", () => html("Secret", "<h1>Secret</h1>"));
  routes.set("/docs/etag-page", (headers): Reply =>
    headers["if-none-match"] === etagVersion
      ? { status: 304, headers: { etag: etagVersion } }
      : { ...html("ETag page", `<h1>ETag page</h1>${filler(`version ${etagVersion}`)}`), headers: { "content-type": "text/html", etag: etagVersion, "last-modified": "Tue, 05 Mar 2024 08:00:00 GMT" } });
  routes.set("/blog/post?a=1&b=2", () => html("Post", `<h1>Post</h1>${filler("a post")}`));
  routes.set("/blog/post?b=2&a=1", () => html("Post", `<h1>Post</h1>${filler("a post")}`));
}

let outputDir: string;
const sync = (extra: Partial<WebsiteSourceOptions> = {}) =>
  materialiseWebsite({ sitemap: `${origin}/sitemap.xml`, outputDir, delayMs: 0, concurrency: 3, timeoutMs: 2000, ...extra });
const read = (file: string) => readFileSync(path.join(outputDir, file), "utf8");
const requested = (pathname: string) => requests.filter((request) => request.path === pathname);

beforeEach(() => {
  outputDir = mkdtempSync(path.join(tmpdir(), "quire-website-"));
  requests.length = 0;
  defineSite();
});
afterEach(() => rmSync(outputDir, { recursive: true, force: true }));

const postFile = () => {
  const files = readdirMd().filter((file) => file.startsWith("blog/"));
  expect(files).toHaveLength(1);
  return files[0]!;
};
function readdirMd(): string[] {
  return listFiles(outputDir).filter((file) => file.endsWith(".md"));
}
function listFiles(root: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(root, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(root, relative));
    else out.push(relative);
  }
  return out.sort();
}

describe("materialiseWebsite from a sitemap", () => {
  it("writes one Markdown file per HTML page, with frontmatter, and reports what it skipped", async () => {
    const progress: string[] = [];
    const result = await sync({ onProgress: (event) => progress.push(`${event.done}/${event.total}`) });
    expect(progress).toEqual(["1/9", "2/9", "3/9", "4/9", "5/9", "6/9", "7/9", "8/9", "9/9"]);
    expect(readdirMd()).toEqual([postFile(), "docs/etag-page.md", "docs/guide/install.md", "docs/index.md", "docs/new-page.md"]);
    expect(postFile()).toMatch(/^blog\/post--[0-9a-f]{8}\.md$/);
    expect({ pages: result.pages, fetched: result.fetched, notModified: result.notModified, skippedUnchanged: result.skippedUnchanged }).toEqual({ pages: 5, fetched: 5, notModified: 0, skippedUnchanged: 0 });
    expect(result.citationKey).toBe(`site:${origin}`);
    expect(result.revision).toBe("2024-03-01");
    expect(result.citationUrl("docs/new-page.md", "moving")).toBe(`${origin}/docs/new-page#moving`);
    expect(result.citationUrl("docs/index.md", null)).toBe(`${origin}/docs/`);
    expect(result.updatedAt?.("docs/guide/install.md")).toBe("2024-02-01T08:00:00.000Z");
    expect(result.updatedAt?.("docs/etag-page.md")).toBe("2024-03-05T08:00:00.000Z");
    expect(result.updatedAt?.("docs/new-page.md")).toBe("2024-01-05");

    const notices = Object.fromEntries(result.notices.map((entry) => [entry.where.replace(origin, ""), entry.message]));
    expect(notices).toEqual({
      "/docs/away": "redirects off the site (to http://elsewhere.invalid/docs/away); skipped",
      "/docs/missing": "HTTP 404; skipped",
      "/docs/manual.pdf": "not an HTML page (by its extension); skipped",
      "/docs/plain": "is text/plain, not HTML; skipped",
      "/docs/logo": "is image/png, not HTML; skipped",
      "/private/secret": "disallowed by robots.txt; skipped",
    });
    // Never requested: the disallowed page, the PDF, and anything off the origin.
    expect(requested("/private/secret")).toHaveLength(0);
    expect(requested("/docs/manual.pdf")).toHaveLength(0);
    expect(requests.every((request) => request.headers["user-agent"] === "QuireBot/0.1 (+https://github.com/quire)")).toBe(true);

    expect(read("docs/new-page.md")).toMatch(new RegExp(`^---\\ntitle: New page\\npage_url: ${origin}/docs/new-page\\nupdated_at: 2024-01-05\\n---\\n\\n# New page\\n\\nThis paragraph explains moving`));
    const install = read("docs/guide/install.md");
    expect(install).toContain(`page_url: ${origin}/docs/guide/install\n`);
    expect(install).toContain("# Install {#install-guide}\n");
    expect(install).toContain("## On Linux {#setup-linux}\n");
    expect(install).toContain("### Options {#options}\n");
    expect(install).toContain("```bash\n./qnode --setup\necho `done`\n```");
    expect(install).toContain(`[the config](${origin}/docs/config)`);
    expect(install).toContain(`![Architecture](${origin}/docs/guide/img/arch.png)`);
    expect(install).toContain(`[this section](${origin}/docs/guide/install#setup-linux)`);
    expect(install).toMatch(/\| Flag +\| Meaning +\|/);
    expect(install).not.toContain("Docs home");
    expect(install).not.toContain("© Fixture");
  });

  it("carries a heading's real anchor through the loader and the chunker", async () => {
    const result = await sync();
    const document = parseDocument("docs/guide/install.md", read("docs/guide/install.md"));
    expect(document.title).toBe("Install");
    const chunks = chunkDocument(document, { targetTokens: 60, overlapTokens: 0, baseUrl: "https://base.example" });
    const headings = [...new Set(chunks.map((chunk) => `${chunk.heading} -> ${chunk.url}`))];
    expect(headings).toEqual([
      "Install -> https://base.example/docs/guide/install#install-guide",
      "Install > On Linux -> https://base.example/docs/guide/install#setup-linux",
      "Install > On Linux > Options -> https://base.example/docs/guide/install#options",
    ]);
    expect(result.citationUrl("docs/guide/install.md", "setup-linux")).toBe(`${origin}/docs/guide/install#setup-linux`);
    expect(await listDocumentFiles(outputDir)).toHaveLength(5);
  });

  it("re-syncs without fetching pages whose lastmod is unchanged, and keeps 304 and same-content pages byte for byte", async () => {
    await sync();
    const before = Object.fromEntries(readdirMd().map((file) => [file, { text: read(file), mtime: statSync(path.join(outputDir, file)).mtimeMs }]));
    requests.length = 0;
    const again = await sync();
    expect(requested("/docs/")).toHaveLength(0);
    expect(requested("/docs/guide/install")).toHaveLength(0);
    expect(requested("/docs/old-page")).toHaveLength(0);
    const etag = requested("/docs/etag-page");
    expect(etag).toHaveLength(1);
    expect(etag[0]!.headers["if-none-match"]).toBe('"v1"');
    expect(etag[0]!.headers["if-modified-since"]).toBe("Tue, 05 Mar 2024 08:00:00 GMT");
    expect({ pages: again.pages, fetched: again.fetched, notModified: again.notModified, skippedUnchanged: again.skippedUnchanged }).toEqual({ pages: 5, fetched: 0, notModified: 1, skippedUnchanged: 4 });
    for (const [file, { text, mtime }] of Object.entries(before)) {
      expect(read(file)).toBe(text);
      expect(statSync(path.join(outputDir, file)).mtimeMs).toBe(mtime);
    }

    // A new lastmod with the same content: fetched, and the file left as it was.
    docsSitemap[1]!.lastmod = "2024-06-01";
    requests.length = 0;
    const third = await sync();
    expect(requested("/docs/guide/install")).toHaveLength(1);
    expect(third.fetched).toBe(1);
    expect(read("docs/guide/install.md")).toBe(before["docs/guide/install.md"]!.text);
    expect(statSync(path.join(outputDir, "docs/guide/install.md")).mtimeMs).toBe(before["docs/guide/install.md"]!.mtime);
    expect(third.revision).toBe("2024-06-01");

    // A changed ETag page is written again.
    etagVersion = '"v2"';
    const fourth = await sync();
    expect(fourth.fetched).toBe(1);
    expect(read("docs/etag-page.md")).toContain('version "v2"');
  });

  it("removes the files of pages that left the sitemap, and their empty folders", async () => {
    await sync();
    docsSitemap.splice(1, 1);
    const result = await sync();
    expect(existsSync(path.join(outputDir, "docs/guide/install.md"))).toBe(false);
    expect(existsSync(path.join(outputDir, "docs/guide"))).toBe(false);
    expect(result.pages).toBe(4);
    expect(result.citationUrl("docs/guide/install.md", null)).toBeNull();
  });

  it("throws SourceUnavailableError and leaves the folder as it was when the sitemap cannot be fetched", async () => {
    await sync();
    const before = listFiles(outputDir).map((file) => [file, read(file)]);
    routes.set("/sitemap-docs.xml", () => ({ status: 500, body: "down" }));
    await expect(sync()).rejects.toThrow(SourceUnavailableError);
    await expect(sync()).rejects.toThrow(`the sitemap ${origin}/sitemap-docs.xml could not be fetched (HTTP 500)`);
    expect(listFiles(outputDir).map((file) => [file, read(file)])).toEqual(before);

    await expect(materialiseWebsite({ sitemap: "http://127.0.0.1:1/sitemap.xml", outputDir, delayMs: 0, timeoutMs: 1000 })).rejects.toThrow(SourceUnavailableError);
    expect(listFiles(outputDir).map((file) => [file, read(file)])).toEqual(before);
  });

  it("waits once for a 429 with Retry-After, and treats a corrupt manifest as empty", async () => {
    let calls = 0;
    routes.set("/docs/", () => (++calls === 1 ? { status: 429, headers: { "retry-after": "1" } } : html("Docs", `<h1>Docs</h1>${filler("the docs")}`)));
    const started = Date.now();
    const result = await sync();
    expect(calls).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(result.pages).toBe(5);
    writeFileSync(path.join(outputDir, ".quire-website.json"), "{ not json");
    requests.length = 0;
    const again = await sync();
    expect(again.skippedUnchanged).toBe(0);
    expect(again.fetched).toBe(5);
    expect(readdirMd()).toHaveLength(5);
  });
});

describe("materialiseWebsite when the site misbehaves", () => {
  it("keeps the previous copy of a page that times out or answers 500, and drops one that is gone", async () => {
    await sync();
    docsSitemap[0]!.lastmod = "2024-09-01";
    docsSitemap[1]!.lastmod = "2024-09-01";
    docsSitemap[2]!.lastmod = "2024-09-01";
    routes.set("/docs/", () => ({ hang: true }));
    routes.set("/docs/guide/install", () => ({ status: 500 }));
    routes.set("/docs/new-page", () => ({ status: 410 }));
    const result = await sync({ timeoutMs: 300 });
    expect(readdirMd().filter((file) => !file.startsWith("blog/"))).toEqual(["docs/etag-page.md", "docs/guide/install.md", "docs/index.md"]);
    const notices = Object.fromEntries(result.notices.map((entry) => [entry.where.replace(origin, ""), entry.message]));
    expect(notices["/docs/"]).toBe("timed out after 300 ms; kept the copy from the previous sync");
    expect(notices["/docs/guide/install"]).toBe("HTTP 500; kept the copy from the previous sync");
    expect(notices["/docs/old-page"]).toBe("HTTP 410; skipped");
  });

  it("does not crawl when robots.txt answers 5xx, and honours a Crawl-delay", async () => {
    routes.set("/robots.txt", () => ({ status: 503 }));
    await expect(sync()).rejects.toThrow(`${origin}/robots.txt could not be read (HTTP 503); not crawling without it`);
    expect(listFiles(outputDir)).toEqual([]);

    routes.set("/robots.txt", () => ({ headers: { "content-type": "text/plain" }, body: "User-agent: quirebot\nCrawl-delay: 0.2\nDisallow: /docs/guide/\n\nUser-agent: *\nDisallow: /\n" }));
    const started = Date.now();
    const result = await sync({ concurrency: 1 });
    // Nine pages are requested one after another, with eight pauses of 200 ms between them.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1550);
    expect(result.notices[0]).toEqual({ where: `${origin}/robots.txt`, message: "Crawl-delay of 0.2 s honoured" });
    expect(result.notices.find((entry) => entry.where.endsWith("/docs/guide/install"))?.message).toBe("disallowed by robots.txt; skipped");
    // Only the QuireBot group applies, and it does not disallow /private/.
    expect(result.notices.some((entry) => entry.where.endsWith("/private/secret"))).toBe(false);
    expect(readdirMd().filter((file) => !file.startsWith("blog/"))).toEqual(["docs/etag-page.md", "docs/index.md", "docs/new-page.md", "private/secret.md"]);
  });

  it("stops on abort without touching the folder", async () => {
    await sync();
    const before = listFiles(outputDir).map((file) => [file, read(file)]);
    const controller = new AbortController();
    routes.set("/docs/", () => ({ hang: true }));
    docsSitemap[0]!.lastmod = "2024-09-01";
    setTimeout(() => controller.abort(new Error("stop")), 200);
    await expect(sync({ signal: controller.signal })).rejects.toThrow("stop");
    expect(listFiles(outputDir).map((file) => [file, read(file)])).toEqual(before);
  });
});

describe("materialiseWebsite by crawling", () => {
  beforeEach(() => {
    // A chain /docs/ → a → b → c, with a side link out of the prefix and a PDF.
    routes.set("/docs/", () => html("Docs", `<h1>Docs</h1>${filler("the docs")}<a href="a#top">A</a> <a href="/outside">Out</a> <a href="files/spec.pdf">Spec</a> <a href="/private/x">P</a>`));
    routes.set("/docs/a", () => html("A", `<h1>A</h1>${filler("a")}<a href="b">B</a> <a href="/docs/">Up</a>`));
    routes.set("/docs/b", () => html("B", `<h1>B</h1>${filler("b")}<a href="c">C</a> <a href="d">D</a>`));
    routes.set("/docs/c", () => html("C", `<h1>C</h1>${filler("c")}`));
    routes.set("/docs/d", () => html("D", `<h1>D</h1>${filler("d")}`));
    routes.set("/private/x", () => html("X", "<h1>X</h1>"));
  });

  it("follows links breadth first within the start page's folder, up to maxDepth", async () => {
    const result = await materialiseWebsite({ start: `${origin}/docs/`, outputDir, delayMs: 0, maxDepth: 2 });
    expect(readdirMd()).toEqual(["docs/a.md", "docs/b.md", "docs/index.md"]);
    expect(requested("/outside")).toHaveLength(0);
    expect(requested("/docs/c")).toHaveLength(0);
    expect(requested("/docs/files/spec.pdf")).toHaveLength(0);
    expect(result.notices.map((entry) => `${entry.where.replace(origin, "")}: ${entry.message}`)).toEqual([
      "/docs/files/spec.pdf: not an HTML page (by its extension); skipped",
    ]);
    expect(result.revision).toBeNull();
  });

  it("stops at maxPages, and a 304 page still leads the crawl on through its stored links", async () => {
    const limited = await materialiseWebsite({ start: `${origin}/docs/`, outputDir, delayMs: 0, maxPages: 4 });
    expect(readdirMd()).toEqual(["docs/a.md", "docs/b.md", "docs/c.md", "docs/index.md"]);
    expect(limited.notices.at(-1)).toEqual({ where: `${origin}/docs/`, message: "stopped at maxPages (4); 1 more links not followed" });

    routes.set("/docs/a", (headers): Reply => (headers["if-none-match"] === '"a1"' ? { status: 304 } : { ...html("A", `<h1>A</h1>${filler("a")}<a href="b">B</a>`), headers: { "content-type": "text/html", etag: '"a1"' } }));
    await materialiseWebsite({ start: `${origin}/docs/`, outputDir, delayMs: 0 });
    const again = await materialiseWebsite({ start: `${origin}/docs/`, outputDir, delayMs: 0 });
    expect(again.notModified).toBe(1);
    expect(readdirMd()).toEqual(["docs/a.md", "docs/b.md", "docs/c.md", "docs/d.md", "docs/index.md"]);
  });

  it("throws SourceUnavailableError when the start page fails", async () => {
    routes.set("/docs/", () => ({ status: 503 }));
    await expect(materialiseWebsite({ start: `${origin}/docs/`, outputDir, delayMs: 0 })).rejects.toThrow(`the start page ${origin}/docs/ HTTP 503`);
    expect(listFiles(outputDir)).toEqual([]);
  });
});
