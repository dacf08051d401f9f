import "server-only";
import type { z } from "zod";
import { AppError, toAppError } from "@/src/server/errors";
import { env, type Env } from "@/src/server/env";
import { log } from "@/src/server/log";
import { readBodyText, requireJsonContentType } from "@/src/server/read-body";
import { allowedHosts, isHostAllowed, misdirectedResponse, requestHost, type HostAllowList } from "@/src/server/security/host-check";

type Handler<Context> = (request: Request, context: Context) => Promise<Response>;

/** The allow-list of the current env, built once per env (env() is parsed once and cached). */
const allowLists = new WeakMap<Env, HostAllowList>();
function allowList(settings: Env): HostAllowList {
  let list = allowLists.get(settings);
  if (!list) {
    list = allowedHosts(settings.APP_URL, settings.QUIRE_ALLOWED_HOSTS);
    allowLists.set(settings, list);
  }
  return list;
}

/**
 * The Host check of API routes (421 for a host Quire is not configured for: DNS
 * rebinding). proxy.ts checks pages; it does not run in front of /api, because Next
 * would then buffer and drain every request body before a route could refuse it.
 */
export function misdirectedResponseFor(request: Request): Response | null {
  const settings = env();
  // A Web Request built in-process has no Host header; Next always sets one from the connection.
  const host = requestHost(request.headers, settings.QUIRE_TRUST_PROXY.kind !== "none") ?? new URL(request.url).host;
  if (isHostAllowed(host, allowList(settings))) return null;
  return misdirectedResponse(new URL(request.url).pathname, host);
}

/** Checks the Host, then converts any failure of a route into its JSON error response, once, at the edge. */
export function withErrorResponse<Context>(handler: Handler<Context>): Handler<Context> {
  return async (request, context) => {
    const misdirected = misdirectedResponseFor(request);
    if (misdirected) return misdirected;
    try {
      return await handler(request, context);
    } catch (error) {
      const appError = toAppError(error);
      if (appError.category === "system") log().error({ err: error, path: new URL(request.url).pathname }, "request failed");
      else log().info({ code: appError.code, status: appError.status, path: new URL(request.url).pathname }, "request rejected");
      return appError.toResponse();
    }
  };
}

const MAX_BODY_BYTES = 2 * 1024 * 1024;

function describeIssues(issues: z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}

/**
 * Reads a JSON body and validates it; anything malformed is a 4xx that says what is wrong.
 * The body must be declared as JSON (415 otherwise), and it is read with a byte count
 * that stops at `maxBytes` (413), so an endless chunked body costs no more than the limit.
 */
export async function readJsonBody<Schema extends z.ZodType>(request: Request, schema: Schema, maxBytes = MAX_BODY_BYTES): Promise<z.infer<Schema>> {
  requireJsonContentType(request);
  const text = await readBodyText(request, maxBytes);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AppError("bad_request", "The request body must be valid JSON.");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new AppError("bad_request", `Invalid request: ${describeIssues(parsed.error.issues)}`);
  return parsed.data;
}

/** True for an origin this app's own pages run on: APP_URL's scheme on an allowed host (proxy.ts's list). */
function isOwnOrigin(origin: string): boolean {
  const settings = env();
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return url.protocol === new URL(settings.APP_URL).protocol && isHostAllowed(url.host, allowList(settings));
}

/**
 * Requests that act with the browser's cookies (a key, the OAuth session) must come
 * from Quire's own pages, and the check fails closed: `Sec-Fetch-Site: same-origin`
 * (every current browser sends it), or else an Origin equal to APP_URL's. A request
 * with neither is refused; so is one whose Sec-Fetch-Site says another site, whatever
 * its Origin. Neither the request's own Host nor X-Forwarded-* is trusted for this.
 * Requests that bring their own `Authorization: Bearer` key skip the check (scripts):
 * they use no cookie, and a page on another site cannot add that header without CORS.
 */
export function assertSameOrigin(request: Request): void {
  const fetchSite = request.headers.get("sec-fetch-site");
  if (fetchSite !== null) {
    if (fetchSite === "same-origin") return;
    throw new AppError("cross_origin", "Cross-origin requests are not allowed here.");
  }
  const origin = request.headers.get("origin");
  if (origin !== null && isOwnOrigin(origin)) return;
  throw new AppError(
    "cross_origin",
    origin === null
      ? "This request must come from Quire's own pages (no Origin header), or bring its key in an Authorization: Bearer header."
      : "Cross-origin requests are not allowed here.",
  );
}
