import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Marked } from "marked";
import { listDocumentFiles } from "@/src/server/rag/load/load-documents";
import { materialiseWebsite } from "@/src/server/rag/sources/website";
import { corpusDir, numberFlag, round, summarize, timed, writeResults } from "@/bench/lib/report";

/**
 * `npm run bench:website [-- --runs 3]`: the shared corpus served as an HTML site on
 * 127.0.0.1 (each Markdown file rendered once, with heading ids, a sitemap with and one
 * without lastmod, ETags), then: a first sync, a re-sync where every lastmod is unchanged
 * (no page requests), and a re-sync where every page answers 304 to If-None-Match.
 * No polite delay (delayMs 0), concurrency 4: this measures Quire's own cost.
 */
const runs = numberFlag("runs", 3);

if (!existsSync(corpusDir)) {
  console.log(`bench:website: no shared corpus at ${corpusDir}; nothing to measure.`);
  process.exit(0);
}

function slug(text: string, seen: Map<string, number>): string {
  const base = text.toLowerCase().replace(/<[^>]*>/g, "").replace(/[^\p{L}\p{N}\s-]/gu, "").trim().replace(/\s+/g, "-");
  const count = seen.get(base) ?? 0;
  seen.set(base, count + 1);
  return count === 0 ? base : `${base}-${count}`;
}

/** One page per corpus file, at /docs/<path without extension>. */
async function buildSite(): Promise<Map<string, { html: string; etag: string }>> {
  const pages = new Map<string, { html: string; etag: string }>();
  for (const file of await listDocumentFiles(corpusDir)) {
    const source = readFileSync(path.join(corpusDir, file), "utf8").replace(/^---\n[\s\S]*?\n---\n/, "");
    const seen = new Map<string, number>();
    const marked = new Marked({
      renderer: {
        heading({ tokens, depth }) {
          const inner = this.parser.parseInline(tokens);
          return `<h${depth} id="${slug(inner, seen)}">${inner}</h${depth}>\n`;
        },
      },
    });
    const body = await marked.parse(source);
    const title = file.replace(/\.(md|mdx|txt)$/, "");
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>${title} | Corpus</title></head><body><nav><a href="/docs/">Home</a></nav><main><article>${body}</article></main><footer>Corpus site</footer></body></html>`;
    const urlPath = `/docs/${title.split("/").map(encodeURIComponent).join("/")}`;
    pages.set(urlPath, { html, etag: `"${createHash("sha256").update(html).digest("hex").slice(0, 16)}"` });
  }
  return pages;
}

const pages = await buildSite();
let requests = 0;
const server = createServer((request, response) => {
  requests++;
  const url = request.url ?? "/";
  if (url === "/robots.txt") return void response.writeHead(200, { "content-type": "text/plain" }).end("User-agent: *\nAllow: /\n");
  if (url === "/sitemap.xml" || url === "/sitemap-nolastmod.xml") {
    const lastmod = url === "/sitemap.xml" ? "<lastmod>2025-01-01</lastmod>" : "";
    const entries = [...pages.keys()].map((page) => `<url><loc>${origin}${page}</loc>${lastmod}</url>`).join("");
    return void response.writeHead(200, { "content-type": "application/xml" }).end(`<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${entries}</urlset>`);
  }
  const page = pages.get(url);
  if (!page) return void response.writeHead(404).end();
  if (request.headers["if-none-match"] === page.etag) return void response.writeHead(304, { etag: page.etag }).end();
  response.writeHead(200, { "content-type": "text/html; charset=utf-8", etag: page.etag, "last-modified": "Wed, 01 Jan 2025 00:00:00 GMT" }).end(page.html);
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

interface RunResult { firstMs: number; lastmodMs: number; etagMs: number; pages: number; firstRequests: number; lastmodRequests: number; etagRequests: number; notModified: number; skipped: number }

async function sync(sitemap: string, outputDir: string): Promise<{ milliseconds: number; requests: number; result: Awaited<ReturnType<typeof materialiseWebsite>> }> {
  const before = requests;
  const { result, milliseconds } = await timed(() => materialiseWebsite({ sitemap: `${origin}${sitemap}`, outputDir, delayMs: 0, concurrency: 4 }));
  return { milliseconds, requests: requests - before, result };
}

async function oneRun(): Promise<RunResult> {
  const withLastmod = mkdtempSync(path.join(tmpdir(), "quire-bench-website-"));
  const withoutLastmod = mkdtempSync(path.join(tmpdir(), "quire-bench-website-"));
  try {
    const first = await sync("/sitemap.xml", withLastmod);
    const lastmod = await sync("/sitemap.xml", withLastmod);
    await sync("/sitemap-nolastmod.xml", withoutLastmod);
    const etag = await sync("/sitemap-nolastmod.xml", withoutLastmod);
    return {
      firstMs: first.milliseconds, lastmodMs: lastmod.milliseconds, etagMs: etag.milliseconds, pages: first.result.pages,
      firstRequests: first.requests, lastmodRequests: lastmod.requests, etagRequests: etag.requests,
      notModified: etag.result.notModified, skipped: lastmod.result.skippedUnchanged,
    };
  } finally {
    rmSync(withLastmod, { recursive: true, force: true });
    rmSync(withoutLastmod, { recursive: true, force: true });
  }
}

try {
  const results: RunResult[] = [];
  for (let run = 1; run <= runs; run++) {
    results.push(await oneRun());
    process.stderr.write(`  run ${run}/${runs} done\n`);
  }
  const [sample] = results;
  const first = summarize(results.map((run) => run.firstMs));
  const lastmod = summarize(results.map((run) => run.lastmodMs));
  const etag = summarize(results.map((run) => run.etagMs));
  const perPage = (milliseconds: number) => round(milliseconds / sample!.pages, 2);
  console.log(`\nSite: ${pages.size} pages rendered from ${corpusDir}; ${runs} runs, delayMs 0, concurrency 4`);
  console.table([
    { stage: "first sync", "median ms": round(first.median, 0), "p95 ms": round(first.p95, 0), "ms/page": perPage(first.median), requests: sample!.firstRequests },
    { stage: "re-sync, lastmod unchanged", "median ms": round(lastmod.median, 0), "p95 ms": round(lastmod.p95, 0), "ms/page": perPage(lastmod.median), requests: sample!.lastmodRequests },
    { stage: "re-sync, ETag 304", "median ms": round(etag.median, 0), "p95 ms": round(etag.p95, 0), "ms/page": perPage(etag.median), requests: sample!.etagRequests },
  ]);
  console.log(`Pages written: ${sample!.pages}; skipped by lastmod: ${sample!.skipped}; 304s: ${sample!.notModified}.`);
  writeResults("website", {
    runs, sitePages: pages.size, pagesWritten: sample!.pages,
    firstSyncMs: first, resyncLastmodMs: lastmod, resyncEtagMs: etag,
    requests: { first: sample!.firstRequests, lastmod: sample!.lastmodRequests, etag: sample!.etagRequests },
    raw: results,
  });
} finally {
  server.close();
}
