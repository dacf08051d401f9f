/**
 * A real HTTP server around Quire's route handlers, for tests that need a real
 * socket (a chunked upload, backpressure, memory) without `next build`:
 *
 *   node --expose-gc --import ./bench/lib/register.mjs test/support/body-memory-server.ts
 *
 * It starts the fake providers in-process (test/support/app-harness.ts), listens on
 * 127.0.0.1 and prints one JSON line, `{"port":…,"chutesKey":…}`, when ready.
 *
 * Routes:
 * - `POST /api/chat`: the real app/api/chat/route.ts handler;
 * - `POST /reader`: a minimal JSON route that only calls `readBodyText`
 *   (src/server/read-body.ts) with the chat route's 2 MB limit;
 * - `GET /rss`: memory now (after `global.gc`, when started with --expose-gc) and
 *   the peak since the last `POST /rss/reset-peak`;
 * - `GET /last-answer?path=/api/chat`: the status and (error) body last sent on that path.
 *   A client still uploading when the server answers and closes may get a reset
 *   instead of the answer (see the test); this says what the server did send.
 *
 * Requests are adapted the way Next.js does it for app routes: the IncomingMessage
 * itself is the body of a Web `Request` (`duplex: "half"`), which undici reads with
 * backpressure (next/dist/server/web/spec-extension/adapters/next-request.js).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { APP_ORIGIN, startAppEnvironment } from "@/test/support/app-harness";

const MAX_BODY_BYTES = 2 * 1024 * 1024;

const { fakes } = await startAppEnvironment({ QUIRE_MAX_RETRY_WAIT_MS: "200" });
const chatRoute = await import("@/app/api/chat/route");
const { readBodyText, requireJsonContentType } = await import("@/src/server/read-body");
const { withErrorResponse } = await import("@/src/server/http");

type RouteHandler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

const readerRoute: RouteHandler = withErrorResponse(async (request: Request) => {
  requireJsonContentType(request);
  const text = await readBodyText(request, MAX_BODY_BYTES);
  return Response.json({ bytes: Buffer.byteLength(text) });
});

const routes: Record<string, RouteHandler> = {
  "POST /api/chat": chatRoute.POST,
  "POST /reader": readerRoute,
};

// ---- memory -------------------------------------------------------------------

const gc: (() => void) | undefined = typeof globalThis.gc === "function" ? globalThis.gc : undefined;

/**
 * Linux keeps the process's peak RSS (VmHWM) and lets the process reset it by writing
 * 5 to /proc/self/clear_refs: an exact peak, even while a large copy blocks the event
 * loop. Elsewhere the peak is sampled every 5 ms.
 */
function kernelPeakRss(): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    return match?.[1] ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

function resetKernelPeak(): boolean {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

let sampledPeak = process.memoryUsage.rss();
let kernelPeakUsable = resetKernelPeak();
setInterval(() => {
  sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss());
}, 5).unref();

function collect(): void {
  // Twice: the first pass may only promote what the second frees.
  gc?.();
  gc?.();
}

function memoryReport() {
  collect();
  const usage = process.memoryUsage();
  const kernelPeak = kernelPeakUsable ? kernelPeakRss() : null;
  sampledPeak = Math.max(sampledPeak, usage.rss);
  return {
    rss: usage.rss,
    peakRss: Math.max(sampledPeak, kernelPeak ?? 0),
    peakSource: kernelPeak === null ? "sampled" : "VmHWM",
    heapUsed: usage.heapUsed,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
    gc: gc !== undefined,
  };
}

function resetPeak(): void {
  collect();
  kernelPeakUsable = resetKernelPeak();
  sampledPeak = process.memoryUsage.rss();
}

// ---- Node ⇄ Web adapter ----------------------------------------------------------

function webHeaders(request: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  // As the reverse proxy in front of Quire would: the client asked for the app's own host.
  headers.set("host", new URL(APP_ORIGIN).host);
  return headers;
}

// `duplex` is required by Node for a streaming body but missing from the DOM lib's RequestInit.
type StreamingInit = RequestInit & { duplex: "half" };

function webRequest(request: IncomingMessage, signal: AbortSignal): Request {
  const method = request.method ?? "GET";
  const init: StreamingInit = { method, headers: webHeaders(request), signal, duplex: "half" };
  if (method !== "GET" && method !== "HEAD") {
    // As Next.js does: undici accepts any async iterable as a body, which the DOM types
    // do not list. It pulls one chunk per read, so an unread body stays in the socket.
    init.body = request as unknown as ReadableStream<Uint8Array>;
  }
  // The app's own origin, so that same-origin checks see what Next.js would give them.
  return new Request(new URL(request.url ?? "/", APP_ORIGIN), init);
}

const lastAnswers = new Map<string, { status: number; body: string }>();

async function sendWebResponse(response: Response, target: ServerResponse, pathname: string): Promise<void> {
  // Error answers are small JSON: read them whole, so that /last-answer can report them.
  const errorBody = response.status >= 400 ? await response.text() : null;
  lastAnswers.set(pathname, { status: response.status, body: errorBody ?? "" });
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  target.writeHead(response.status, headers);
  if (errorBody !== null) {
    target.end(errorBody);
    return;
  }
  if (response.body) {
    for await (const chunk of response.body) {
      if (!target.write(chunk)) await new Promise((resolve) => target.once("drain", resolve));
    }
  }
  target.end();
}

function sendJson(target: ServerResponse, status: number, body: unknown): void {
  target.writeHead(status, { "content-type": "application/json" });
  target.end(JSON.stringify(body));
}

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const pathname = new URL(request.url ?? "/", "http://localhost").pathname;
  if (request.method === "GET" && pathname === "/rss") return sendJson(response, 200, memoryReport());
  if (request.method === "GET" && pathname === "/last-answer") {
    const of = new URL(request.url ?? "/", "http://localhost").searchParams.get("path") ?? "";
    return sendJson(response, 200, lastAnswers.get(of) ?? null);
  }
  if (request.method === "POST" && pathname === "/rss/reset-peak") {
    request.resume();
    resetPeak();
    return sendJson(response, 200, memoryReport());
  }
  const route = routes[`${request.method} ${pathname}`];
  if (!route) {
    request.resume();
    return sendJson(response, 404, { error: { code: "not_found", message: `No route ${request.method} ${pathname}` } });
  }
  // Like Next.js: the handler's signal aborts when the client goes away before the answer ends.
  const controller = new AbortController();
  response.on("close", () => {
    if (!response.writableFinished) controller.abort();
  });
  const answer = await route(webRequest(request, controller.signal), { params: Promise.resolve({}) });
  await sendWebResponse(answer, response, pathname);
}

const server = createServer((request, response) => {
  handle(request, response).catch((error: unknown) => {
    // A failure here is the adapter's (the routes answer their own errors): make it loud.
    console.error("body-memory-server: adapter failure", error);
    if (!response.headersSent) sendJson(response, 599, { error: { code: "internal_error", message: String(error) } });
    else response.destroy();
  });
});

await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const { port } = server.address() as AddressInfo;
process.stdout.write(`${JSON.stringify({ port, chutesKey: fakes.keys.chutesKey("body-memory") })}\n`);

async function shutDown(): Promise<void> {
  server.closeAllConnections();
  server.close();
  await fakes.close();
  process.exit(0);
}
process.on("SIGTERM", () => void shutDown());
process.on("SIGINT", () => void shutDown());
