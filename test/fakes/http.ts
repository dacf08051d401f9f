import type { IncomingMessage, ServerResponse } from "node:http";
import type { BehaviorStore } from "./behaviors";
import type { FakeIdp } from "./idp";
import type { FakeKeyRegistry } from "./keys";
import type { ChatReplyRequest, CreditsMode, RecordedRequest } from "./types";

/** Base URLs of one running fake, as handed to the app. */
export interface FakeUrls {
  url: string;
  chutesApiUrl: string;
  chutesLlmUrl: string;
  chutesEmbedUrl: string;
  openrouterUrl: string;
}

/** Shared state of one running fake, passed to every handler. */
export interface FakeContext {
  urls: FakeUrls;
  requests: RecordedRequest[];
  behaviors: BehaviorStore;
  keys: FakeKeyRegistry;
  idp: FakeIdp;
  settings: { creditsMode: CreditsMode; chatReply: ((request: ChatReplyRequest) => string) | undefined };
}

/** One request in flight: the raw objects, the parsed parts and its record. */
export interface Exchange {
  request: IncomingMessage;
  response: ServerResponse;
  record: RecordedRequest;
  url: URL;
  /** Relative to the provider prefix. */
  path: string;
  body: unknown;
  /** Aborts when the client goes away before the response finished. */
  signal: AbortSignal;
  context: FakeContext;
  /** Set when the fake itself cut the connection (dropAfterTokens), so it is not a client abort. */
  dropped: boolean;
}

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString("utf8");
}

/** JSON, or form fields for urlencoded bodies, or the raw text; null when empty. */
export function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw === "") return null;
  if (contentType?.includes("application/x-www-form-urlencoded") === true) {
    return Object.fromEntries(new URLSearchParams(raw));
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

export function headerRecord(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

export function writeHead(exchange: Exchange, status: number, headers: Record<string, string | number>): void {
  exchange.record.status = status;
  exchange.response.writeHead(status, headers);
}

export function sendJson(
  exchange: Exchange,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  writeHead(exchange, status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  exchange.response.end(text);
}

export function sendHtml(exchange: Exchange, status: number, title: string, message: string): void {
  const escape = (text: string) => text.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`);
  const html = `<!doctype html><html><head><title>${escape(title)}</title></head><body><h1>${escape(title)}</h1><p>${escape(message)}</p></body></html>`;
  writeHead(exchange, status, { "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(html) });
  exchange.response.end(html);
}

export function redirect(exchange: Exchange, location: string): void {
  writeHead(exchange, 302, { location, "content-length": 0 });
  exchange.response.end();
}

/** Cuts the connection mid-response, the way a crashed upstream does. */
export function dropConnection(exchange: Exchange): void {
  exchange.dropped = true;
  exchange.record.endedAt = Date.now();
  exchange.request.socket.destroy();
}

/** Resolves true after `ms`, or false as soon as the client is gone. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
