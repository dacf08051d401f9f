import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Marked } from "marked";
import { listDocumentFiles } from "@/src/server/rag/load/load-documents";
import { corpusDir } from "@/bench/lib/report";

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

/**
 * The shared corpus as an HTML site on 127.0.0.1: one page per file with heading ids and an
 * ETag, /sitemap.xml with a lastmod per page and /sitemap-nolastmod.xml without; it counts requests.
 */
export async function startCorpusSite(): Promise<{ origin: string; requests: () => number; pages: number; close: () => Promise<void> }> {
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

  return {
    origin,
    requests: () => requests,
    pages: pages.size,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
