import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startFakeProviders, type FakeProviders, type FakeProvidersOptions } from "@/test/fakes/server";
import { resetEnvForTests } from "@/src/server/env";

export const APP_ORIGIN = "http://localhost:3999";

/**
 * Points the app's env at a fresh fake-provider server and a throwaway data dir,
 * for integration tests that call the real route handlers in-process.
 */
export async function startAppEnvironment(
  extraEnv: Record<string, string> = {},
  fakeOptions: FakeProvidersOptions = {},
): Promise<{ fakes: FakeProviders; dataDir: string }> {
  const fakes = await startFakeProviders(fakeOptions);
  const dataDir = mkdtempSync(path.join(tmpdir(), "quire-it-"));
  Object.assign(process.env, {
    ...fakes.env(),
    QUIRE_DATA_DIR: dataDir,
    APP_URL: APP_ORIGIN,
    SESSION_SECRET: "integration-test-secret-that-is-long-enough",
    LOG_LEVEL: "silent",
    QUIRE_DOCS_DIR: path.join(dataDir, "no-docs"),
    // Every in-process request comes from one unknown address; the limits have tests of their own.
    QUIRE_RATE_LIMIT_CHAT: "off",
    QUIRE_RATE_LIMIT_KEY_CHECKS: "off",
    QUIRE_RATE_LIMIT_KEY_CHECKS_GLOBAL: "off",
    QUIRE_RATE_LIMIT_LOGIN: "off",
    QUIRE_MAX_CONCURRENT_STREAMS: "off",
    ...extraEnv,
  });
  resetEnvForTests();
  return { fakes, dataDir };
}

/** A minimal cookie jar: keeps what Set-Cookie sets and sends it back. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = ""] = header.split(";");
      const separator = pair.indexOf("=");
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      if (/Max-Age=0/i.test(header) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  values(): string[] {
    return [...this.cookies.values()];
  }
}

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

export interface CallOptions {
  method?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  jar?: CookieJar;
  signal?: AbortSignal;
}

/** Calls a route handler the way Next.js would, with same-origin headers by default. */
export async function call(handler: Handler, pathname: string, options: CallOptions = {}): Promise<Response> {
  const headers = new Headers({ origin: APP_ORIGIN, ...options.headers });
  if (options.body !== undefined || options.rawBody !== undefined) headers.set("content-type", "application/json");
  const cookie = options.jar?.header();
  if (cookie) headers.set("cookie", cookie);
  const request = new Request(`${APP_ORIGIN}${pathname}`, {
    method: options.method ?? "GET",
    headers,
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    signal: options.signal,
  });
  const response = await handler(request, { params: Promise.resolve({}) });
  options.jar?.store(response);
  return response;
}

export function userMessage(text: string, id = `u-${Math.random().toString(36).slice(2)}`) {
  return { id, role: "user" as const, parts: [{ type: "text" as const, text }] };
}

export interface StreamChunk {
  type: string;
  [key: string]: unknown;
}

/** Reads a UI message stream response (SSE of JSON chunks) to the end. */
export async function readUiStream(response: Response): Promise<StreamChunk[]> {
  const text = await response.text();
  return text
    .split("\n")
    .filter((line) => line.startsWith("data: ") && line !== "data: [DONE]")
    .map((line) => JSON.parse(line.slice(6)) as StreamChunk);
}

export function streamedText(chunks: StreamChunk[]): string {
  return chunks.filter((chunk) => chunk.type === "text-delta").map((chunk) => String(chunk.delta)).join("");
}
