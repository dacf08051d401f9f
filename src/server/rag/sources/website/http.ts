import "server-only";
import { setTimeout as sleep } from "node:timers/promises";

export interface HttpOptions {
  fetch: typeof fetch;
  userAgent: string;
  timeoutMs: number;
  origin: string;
  signal?: AbortSignal;
}

export type HttpResult =
  | { kind: "ok"; url: URL; body: Uint8Array; contentType: string; etag: string | null; lastModified: string | null; redirected: boolean }
  | { kind: "not-modified"; url: URL; redirected: boolean }
  | { kind: "off-origin"; location: string }
  | { kind: "failed"; status: number | null; message: string; gone: boolean };

const MAX_REDIRECTS = 5;
/** Longest Retry-After honoured; a server asking for more is treated as failing this time. */
const MAX_RETRY_AFTER_MS = 10_000;
/** A page larger than this is not documentation worth indexing, and would cost memory. */
const MAX_BODY_BYTES = 20 * 1024 * 1024;

/** Retry-After in milliseconds (seconds or an HTTP date), at least 0; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (header === null) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || (error.name === "AbortError" && error.cause instanceof Error && error.cause.name === "TimeoutError"));
}

/**
 * GET with the crawler's manners: its user agent, a per-request timeout, redirects followed
 * by hand so a redirect off the origin is never requested, and one modest wait on a 429 or
 * 503 that says Retry-After. Only the caller's abort signal makes it throw.
 */
export async function politeGet(start: URL, conditional: { etag?: string | null; lastModified?: string | null }, options: HttpOptions): Promise<HttpResult> {
  let url = start;
  let retried = false;
  for (let hop = 0; hop <= MAX_REDIRECTS; ) {
    const headers: Record<string, string> = { "user-agent": options.userAgent, accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.5" };
    if (conditional.etag) headers["if-none-match"] = conditional.etag;
    if (conditional.lastModified) headers["if-modified-since"] = conditional.lastModified;
    const timeout = AbortSignal.timeout(options.timeoutMs);
    let response: Response;
    try {
      response = await options.fetch(url, { headers, redirect: "manual", signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (isTimeout(error) || timeout.aborted) return { kind: "failed", status: null, message: `timed out after ${options.timeoutMs} ms`, gone: false };
      return { kind: "failed", status: null, message: `could not be fetched (${error instanceof Error ? error.message : String(error)})`, gone: false };
    }
    const redirected = url.href !== start.href;
    if (response.status >= 300 && response.status < 400 && response.status !== 304) {
      await response.body?.cancel();
      const location = response.headers.get("location");
      if (location === null) return { kind: "failed", status: response.status, message: `redirect ${response.status} without a Location`, gone: false };
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        return { kind: "failed", status: response.status, message: "redirect to an unreadable Location", gone: false };
      }
      if (next.origin !== options.origin) return { kind: "off-origin", location: next.origin + next.pathname };
      next.hash = "";
      url = next;
      hop++;
      continue;
    }
    if ((response.status === 429 || response.status === 503) && !retried) {
      const wait = retryAfterMs(response.headers.get("retry-after"));
      await response.body?.cancel();
      if (wait !== null && wait <= MAX_RETRY_AFTER_MS) {
        retried = true;
        await sleep(wait, undefined, { signal: options.signal });
        continue;
      }
      return { kind: "failed", status: response.status, message: `HTTP ${response.status}${wait === null ? "" : ` (Retry-After longer than ${MAX_RETRY_AFTER_MS / 1000} s)`}`, gone: false };
    }
    if (response.status === 304) {
      await response.body?.cancel();
      return { kind: "not-modified", url, redirected };
    }
    if (!response.ok) {
      await response.body?.cancel();
      return { kind: "failed", status: response.status, message: `HTTP ${response.status}`, gone: response.status === 404 || response.status === 410 };
    }
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > MAX_BODY_BYTES) {
      await response.body?.cancel();
      return { kind: "failed", status: response.status, message: `larger than ${MAX_BODY_BYTES / 1024 / 1024} MB`, gone: true };
    }
    let body: Uint8Array;
    try {
      body = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      return { kind: "failed", status: null, message: isTimeout(error) ? `timed out after ${options.timeoutMs} ms` : "the body could not be read", gone: false };
    }
    return {
      kind: "ok", url, body, redirected,
      contentType: response.headers.get("content-type") ?? "",
      etag: response.headers.get("etag"),
      lastModified: response.headers.get("last-modified"),
    };
  }
  return { kind: "failed", status: null, message: `more than ${MAX_REDIRECTS} redirects`, gone: false };
}
