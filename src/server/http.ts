import type { z } from "zod";
import { AppError, toAppError } from "@/src/server/errors";
import { env } from "@/src/server/env";
import { log } from "@/src/server/log";

type Handler<Context> = (request: Request, context: Context) => Promise<Response>;

/** Converts any failure of a route into its JSON error response, once, at the edge. */
export function withErrorResponse<Context>(handler: Handler<Context>): Handler<Context> {
  return async (request, context) => {
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

/** Reads a JSON body and validates it; anything malformed is a 400 that says what is wrong. */
export async function readJsonBody<Schema extends z.ZodType>(request: Request, schema: Schema, maxBytes = MAX_BODY_BYTES): Promise<z.infer<Schema>> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw new AppError("bad_request", `The request body is larger than ${maxBytes} bytes.`, { status: 413 });
  const text = await request.text();
  if (text.length > maxBytes) throw new AppError("bad_request", `The request body is larger than ${maxBytes} bytes.`, { status: 413 });
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

/**
 * Routes that change state accept only same-origin requests: the Origin header (or,
 * failing that, Referer) must match APP_URL or the request's own host.
 */
export function assertSameOrigin(request: Request): void {
  const origin = request.headers.get("origin") ?? refererOrigin(request.headers.get("referer"));
  if (!origin) return;
  const allowed = new Set([new URL(env().APP_URL).origin, new URL(request.url).origin]);
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
  if (host) {
    const protocol = request.headers.get("x-forwarded-proto") ?? new URL(request.url).protocol.replace(":", "");
    allowed.add(`${protocol}://${host}`);
  }
  if (!allowed.has(origin)) {
    throw new AppError("cross_origin", "Cross-origin requests are not allowed here.");
  }
}

function refererOrigin(referer: string | null): string | null {
  if (!referer) return null;
  try {
    return new URL(referer).origin;
  } catch {
    return null;
  }
}
