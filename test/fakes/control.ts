import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { readBody } from "./http";
import type { FakeProviders } from "./types";

/** Every knob, strictly, so that a typo in a test fails loudly instead of doing nothing. */
export const behaviorSchema = z.strictObject({
  reject: z.boolean().optional(),
  creditsExhausted: z.enum(["before", "midstream"]).optional(),
  openrouterLimitSource: z.enum(["openrouter_credits", "openrouter_key_limit"]).optional(),
  rateLimit: z.strictObject({ retryAfterSeconds: z.number().nonnegative() }).optional(),
  unavailable: z.boolean().optional(),
  forbidden: z.boolean().optional(),
  serverError: z.boolean().optional(),
  firstTokenDelayMs: z.number().nonnegative().optional(),
  embedDelayMs: z.number().nonnegative().optional(),
  accountDelayMs: z.number().nonnegative().optional(),
  tokensPerSecond: z.number().positive().optional(),
  dropAfterTokens: z.number().int().nonnegative().optional(),
  midstreamAfterTokens: z.number().int().nonnegative().optional(),
  reply: z.string().optional(),
  completionReply: z.string().optional(),
  reasoning: z.string().nullable().optional(),
  balance: z.number().optional(),
  username: z.string().min(1).optional(),
  limit: z.number().nullable().optional(),
  limitRemaining: z.number().nullable().optional(),
  quotas: z.unknown().optional(),
});

const behaviorRequestSchema = z.strictObject({
  credential: z.string().min(1).optional(),
  behavior: behaviorSchema,
  next: z
    .strictObject({ times: z.number().int().positive().optional(), provider: z.enum(["chutes", "openrouter"]).optional() })
    .optional(),
});

const oauthRequestSchema = z.strictObject({
  deny: z.boolean().optional(),
  accessTokenTtlSeconds: z.number().int().optional(),
  expireAccessTokens: z.boolean().optional(),
  registerClient: z
    .strictObject({
      clientId: z.string().min(1),
      clientSecret: z.string().optional(),
      redirectUris: z.array(z.string()),
      privilegedScopes: z.array(z.string()).optional(),
    })
    .optional(),
});

const creditsModeSchema = z.strictObject({ mode: z.enum(["legacy", "strict"]) });

function reply(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  response.end(text);
}

function parseJson(raw: string): unknown {
  try {
    return raw === "" ? {} : (JSON.parse(raw) as unknown);
  } catch {
    return undefined;
  }
}

type ControlOutcome = { status: number; body: unknown };
const ok: ControlOutcome = { status: 200, body: { ok: true } };

/** Parses a control body, or describes what is wrong with it. */
function parseWith<Schema extends z.ZodType>(
  schema: Schema,
  body: unknown,
  apply: (value: z.infer<Schema>) => void,
): ControlOutcome {
  const parsed = schema.safeParse(body);
  if (!parsed.success) return { status: 400, body: { error: z.prettifyError(parsed.error) } };
  apply(parsed.data);
  return ok;
}

const postRoutes: Record<string, (fakes: FakeProviders, body: unknown) => ControlOutcome> = {
  "/__fake/reset": (fakes) => {
    fakes.reset();
    return ok;
  },
  "/__fake/clear-requests": (fakes) => {
    fakes.clearRequests();
    return ok;
  },
  "/__fake/behavior": (fakes, body) =>
    parseWith(behaviorRequestSchema, body, ({ credential, behavior, next }) => {
      if (next !== undefined) fakes.setNextBehavior({ ...behavior, ...next });
      else fakes.setBehavior(credential ?? "*", behavior);
    }),
  "/__fake/oauth": (fakes, body) =>
    parseWith(oauthRequestSchema, body, (settings) => {
      if (settings.registerClient !== undefined) fakes.oauth.registerClient(settings.registerClient);
      if (settings.deny !== undefined) fakes.oauth.setDeny(settings.deny);
      if (settings.accessTokenTtlSeconds !== undefined) fakes.oauth.setAccessTokenTtlSeconds(settings.accessTokenTtlSeconds);
      if (settings.expireAccessTokens === true) fakes.oauth.expireAccessTokens();
    }),
  "/__fake/credits-mode": (fakes, body) =>
    parseWith(creditsModeSchema, body, ({ mode }) => fakes.setOpenRouterCreditsMode(mode)),
};

/**
 * The control API under /__fake, for tests that drive the fake from another
 * process (Playwright, a dev server): the same knobs as the in-process API.
 * A behavior without `credential` applies to every credential ("*").
 */
export async function handleControl(
  fakes: FakeProviders,
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
): Promise<void> {
  const method = request.method ?? "GET";
  if (method === "GET" && path === "/__fake/requests") return reply(response, 200, fakes.requests);
  if (method === "GET" && path === "/__fake/keys") {
    const seed = new URL(request.url ?? "/", fakes.url).searchParams.get("seed") ?? undefined;
    return reply(response, 200, { chutesKey: fakes.keys.chutesKey(seed), openrouterKey: fakes.keys.openrouterKey(seed) });
  }
  const route = method === "POST" ? postRoutes[path] : undefined;
  if (route === undefined) return reply(response, 404, { error: `No control route ${method} ${path}` });
  const body = parseJson(await readBody(request));
  if (body === undefined) return reply(response, 400, { error: "Body is not JSON" });
  const outcome = route(fakes, body);
  reply(response, outcome.status, outcome.body);
}
