import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeProviders } from "@/test/fakes/server";
import { APP_ORIGIN, readUiStream, startAppEnvironment, streamedText, userMessage } from "@/test/support/app-harness";
import { errorResponseSchema, parseStreamErrorText } from "@/src/shared/errors";

/**
 * Property-based fuzzing of every API route (app/api/**\/route.ts), in-process, against
 * healthy fake providers. Each route gets at least 1,000 generated requests: malformed
 * and mistyped JSON, huge strings, deep nesting, unicode edge cases, prototype-pollution
 * keys, and random, missing or duplicated headers, cookies and query strings.
 *
 * Properties, for every request:
 * - the route answers (no throw, no hang), with a status below 500: the fakes are
 *   healthy, so even 502/503 would mean Quire misjudged its own input;
 * - every 4xx is JSON `{ error: { code, message } }`;
 * - every redirect stays on APP_URL (or, for login, goes to the IDP's authorize endpoint),
 *   and none lands on the error page with an upstream reason (idp_unavailable,
 *   userinfo_failed, misconfigured): the sign-in routes' equivalent of a 5xx;
 * - a 2xx chat answer is a UI message stream whose error parts, if any, are not internal errors;
 * - no response body or Set-Cookie carries the credential the request sent, and every
 *   Set-Cookie is HttpOnly;
 * - nothing is logged at error level: that is how the server marks its own failures,
 *   including those it turns into a friendly answer (a sign-in redirected to the error
 *   page, retrieval degraded to no sources), which a status check alone would miss.
 * A small corpus is ingested first, so that retrieval runs its real queries on the texts.
 * Failures are collected rather than shrunk (shrinking 300 KB bodies would blow the time
 * budget), so one run reports every distinct failure with an example input.
 * At the end: Object.prototype is untouched and a normal chat still streams an answer.
 */

const SEED = 20_260_611;
const CASE_TIMEOUT_MS = 10_000;

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

let fakes: FakeProviders;
const routes: Record<string, Handler> = {};

/** Sealed cookies minted by real flows, so that generated requests also reach the code behind them. */
interface Harvest {
  chutesKeyCookie: string;
  openrouterKeyCookie: string;
  /** A session no generated case signs out of. */
  sessionCookie: string;
  /** A session the logout cases may revoke. */
  spareSessionCookie: string;
  flowCookie: string;
  flowState: string;
  names: string[];
}
let harvest: Harvest;
/** What the routes logged at error level during the current case. */
const loggedErrors: string[] = [];

const CLIENT_ID = "cid_quirefuzz000000000000000";
const REDIRECT_URI = `${APP_ORIGIN}/api/auth/chutes/callback`;
const pollutionProbe = Object.getOwnPropertyNames(Object.prototype).sort().join(",");

/** A tiny corpus with some unicode, so that the full-text and vector queries have something to match. */
const DOCS: Record<string, string> = {
  "guide/node.md": "# Running a node\n\nInstall the node, open port 8336 and keep the keys backed up. Rewards accrue per epoch.\n",
  "guide/unicode.md": "# Ünïcödé and emoji 😀\n\nRight-to-left: \u05e9\u05dc\u05d5\u05dd. Combining: e\u0301. Quire cites every source it uses.\n",
  "faq.txt": "Quire answers questions from documentation, on the user's own inference keys.\n",
};

beforeAll(async () => {
  const environment = await startAppEnvironment(
    {
      CHUTES_OAUTH_CLIENT_ID: CLIENT_ID,
      QUIRE_UNSAFE_ALLOW_HTTP_IDP: "1",
      QUIRE_MAX_RETRY_WAIT_MS: "200",
      QUIRE_FIRST_TOKEN_TIMEOUT_MS: "3000",
      QUIRE_IDLE_TIMEOUT_MS: "2000",
      QUIRE_QUERY_EMBED_TIMEOUT_MS: "1000",
      QUIRE_VALIDATION_TIMEOUT_MS: "2000",
      // The limits stay on, so that their code (client address, credential) sees the
      // generated headers, but high enough that the fuzz measures input handling, not 429s.
      QUIRE_RATE_LIMIT_CHAT: "9999999/1h",
      QUIRE_RATE_LIMIT_KEY_CHECKS: "9999999/1h",
      QUIRE_RATE_LIMIT_KEY_CHECKS_GLOBAL: "9999999/1h",
      QUIRE_RATE_LIMIT_LOGIN: "9999999/1h",
      QUIRE_MAX_CONCURRENT_STREAMS: "10000",
      QUIRE_TRUST_PROXY: "1",
    },
    { oauthClients: [{ clientId: CLIENT_ID, redirectUris: [REDIRECT_URI] }] },
  );
  fakes = environment.fakes;
  const docsDir = path.join(environment.dataDir, "docs");
  for (const [file, text] of Object.entries(DOCS)) {
    mkdirSync(path.dirname(path.join(docsDir, file)), { recursive: true });
    writeFileSync(path.join(docsDir, file), text);
  }
  // In-process, into the store the routes will use: `quire ingest` in a process of its own
  // would pay for a second PGlite start (tens of seconds on a busy 2-core machine).
  const [{ getStore }, { ingestDirectory }, { embedderFor }, { chunkingFromEnv }] = await Promise.all([
    import("@/src/server/rag/store"),
    import("@/src/server/rag/ingest/ingest"),
    import("@/src/server/rag/ingest/embedder"),
    import("@/src/server/rag/ingest/settings"),
  ]);
  const summary = await ingestDirectory({
    store: await getStore(),
    docsDir,
    chunking: chunkingFromEnv(),
    embed: embedderFor({ provider: "chutes", token: fakes.keys.chutesKey("operator"), source: "apiKey" }),
    embedBatchSize: 32,
  });
  expect(summary.added).toBe(Object.keys(DOCS).length);
  const [chat, status, chutesKey, openrouterKey, login, callback, logout, models] = await Promise.all([
    import("@/app/api/chat/route"),
    import("@/app/api/auth/status/route"),
    import("@/app/api/auth/chutes/key/route"),
    import("@/app/api/auth/openrouter/key/route"),
    import("@/app/api/auth/chutes/login/route"),
    import("@/app/api/auth/chutes/callback/route"),
    import("@/app/api/auth/chutes/logout/route"),
    import("@/app/api/models/route"),
  ]);
  Object.assign(routes, {
    "POST /api/chat": chat.POST,
    "GET /api/auth/status": status.GET,
    "POST /api/auth/chutes/key": chutesKey.POST,
    "DELETE /api/auth/chutes/key": chutesKey.DELETE,
    "POST /api/auth/openrouter/key": openrouterKey.POST,
    "DELETE /api/auth/openrouter/key": openrouterKey.DELETE,
    "GET /api/auth/chutes/login": login.GET,
    "GET /api/auth/chutes/callback": callback.GET,
    "POST /api/auth/chutes/logout": logout.POST,
    "GET /api/models": models.GET,
  });
  // Every error-level line is a finding of the case that caused it (see judge()).
  const { log } = await import("@/src/server/log");
  Object.assign(log(), {
    error: (...args: unknown[]) => {
      const [first, second] = args;
      const message = typeof first === "string" ? first : typeof second === "string" ? second : "";
      const err = typeof first === "object" && first !== null && "err" in first ? (first as { err: unknown }).err : undefined;
      loggedErrors.push(`${message}${err instanceof Error ? `: ${err.name}: ${err.message}` : err === undefined ? "" : `: ${String(err)}`}`.slice(0, 300));
    },
  });
  harvest = await harvestCookies();
  // The first answer opens the document store (PGlite, seconds); pay that here, not in a case's timeout.
  const warmUp = await plainRequest("POST /api/chat", { headers: { authorization: `Bearer ${fakes.keys.chutesKey("warm-up")}` }, body: { messages: [userMessage("warm up")] } });
  await warmUp.text();
}, 60_000);

afterAll(async () => {
  const { getStore } = await import("@/src/server/rag/store");
  await (await getStore()).close();
  await fakes?.close();
});

// ---- plain requests, for the set-up and the final health check -----------------------

function cookiePairs(response: Response): [string, string][] {
  return response.headers.getSetCookie().map((header) => {
    const [pair = ""] = header.split(";");
    const separator = pair.indexOf("=");
    return [pair.slice(0, separator).trim(), pair.slice(separator + 1).trim()];
  });
}

function cookieOf(response: Response, name: string): string {
  const found = cookiePairs(response).find(([cookieName, value]) => cookieName === name && value !== "");
  if (!found) throw new Error(`set-up: no ${name} cookie in ${JSON.stringify(response.headers.getSetCookie())}`);
  return `${found[0]}=${found[1]}`;
}

function plainRequest(route: string, init: { query?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Response> {
  const [method = "GET", path = "/"] = route.split(" ");
  const headers = new Headers({ origin: APP_ORIGIN, ...init.headers });
  if (init.body !== undefined) headers.set("content-type", "application/json");
  const request = new Request(`${APP_ORIGIN}${path}${init.query ?? ""}`, {
    method,
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return routes[route]!(request, { params: Promise.resolve({}) });
}

/** A fresh sign-in up to the callback: the flow cookie, the state, and the callback query the IDP sent back. */
async function startFlow(): Promise<{ flowCookie: string; state: string; callbackQuery: string }> {
  const login = await plainRequest("GET /api/auth/chutes/login");
  const location = new URL(login.headers.get("location") ?? "");
  const flowCookie = cookieOf(login, "quire_chutes_oauth_flow");
  const idp = await fetch(location, { redirect: "manual" });
  const back = new URL(idp.headers.get("location") ?? "");
  return { flowCookie, state: location.searchParams.get("state") ?? "", callbackQuery: back.search };
}

async function signIn(): Promise<string> {
  const flow = await startFlow();
  const callback = await plainRequest("GET /api/auth/chutes/callback", { query: flow.callbackQuery, headers: { cookie: flow.flowCookie } });
  return cookieOf(callback, "quire_chutes_session");
}

async function harvestCookies(): Promise<Harvest> {
  const chutes = await plainRequest("POST /api/auth/chutes/key", { body: { apiKey: fakes.keys.chutesKey("fuzz-cookie") } });
  const openrouter = await plainRequest("POST /api/auth/openrouter/key", { body: { apiKey: fakes.keys.openrouterKey("fuzz-cookie") } });
  const flow = await startFlow();
  const result = {
    chutesKeyCookie: cookieOf(chutes, "quire_chutes_key"),
    openrouterKeyCookie: cookieOf(openrouter, "quire_openrouter_key"),
    sessionCookie: await signIn(),
    spareSessionCookie: await signIn(),
    flowCookie: flow.flowCookie,
    flowState: flow.state,
  };
  const names = Object.values(result)
    .filter((value) => value.includes("="))
    .map((cookie) => cookie.slice(0, cookie.indexOf("=")));
  return { ...result, names: [...new Set([...names, "quire_chutes_session_expired"])] };
}

// ---- generated requests --------------------------------------------------------------

/** One generated request, as plain data so that a failure can print it. */
interface Case {
  method: string;
  path: string;
  query: string;
  headers: [string, string][];
  /** undefined: no body at all; bytes are sent as they are (invalid UTF-8 included). */
  body?: Uint8Array;
  /** Credentials the request carries, which no answer may echo. */
  secrets: string[];
  /** Completes the case just before the call (e.g. a fresh OAuth flow); runs on a copy. */
  prepare?: (target: Case) => Promise<void>;
  /**
   * Cookies to seal with the test's SESSION_SECRET just before the call: payloads of the
   * wrong shape, as a cookie sealed by an older or newer Quire would be. They get past
   * decryption to the schema, the refresh and the PKCE exchange, which garbage never reaches.
   */
  sealed?: { name: string; payload: string }[];
}

const encoder = new TextEncoder();

/**
 * A header value as Node's HTTP parser would hand it over: the bytes read as Latin-1
 * (so UTF-8 arrives as mojibake), without the CR, LF and NUL that the parser refuses.
 */
function wire(value: string): string {
  return Buffer.from(value, "utf8").toString("latin1").replace(/[\r\n\0]/g, "");
}

// Lone surrogates, NUL, bidi controls, joiners, BOM, line separators, emoji sequences,
// combining marks, the largest code points, quoting and escaping characters, broken percent-escapes.
const NASTY = [
  "\u0000", "\ud800", "\udfff", "\ud83d", "\u202e", "\u200f", "\u061c", "\u200d", "\ufeff", "\u2028", "\u2029",
  "😀", "👩‍👩‍👧", "🇺🇳", "e\u0301", "\u0345\u0345\u0345", "𝕏", "\u{10FFFF}", "\uffff", "\ufffe", "\u0085", "\u00a0",
  "\\", '"', "'", "`", "<script>", "%", "%00", "%E0%A4%A", "%ZZ", "%ED%A0%80", "%FF", "\r\n", "\t", "\u001b[31m",
  "${x}", "{{x}}", "../", "ﷺ", "a=b", ";", ",", "=", "&", "#", "?", "/", "//", "/\\", "+", " ",
];

const nastyString = fc
  .array(fc.oneof(fc.constantFrom(...NASTY), fc.string({ unit: "binary", maxLength: 6 }), fc.string({ maxLength: 8 })), { maxLength: 10 })
  .map((parts) => parts.join(""));

/** Up to `max` characters of one repeated unit: a few hundred KB cost nothing to generate. */
function hugeString(min: number, max: number) {
  return fc
    .tuple(fc.oneof(fc.constantFrom("a", "😀", "\ud800", "\u0000", "é", '"', "\\", "\u202e"), nastyString.filter((text) => text.length > 0)), fc.integer({ min, max }))
    .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length));
}

const anyString = fc.oneof({ weight: 12, arbitrary: nastyString }, { weight: 1, arbitrary: hugeString(1_000, 300_000) });

// ---- JSON text (built as text, so that duplicate keys, `__proto__` and invalid JSON are possible)

const PROTO_KEYS = ["__proto__", "constructor", "prototype", "toString", "valueOf", "hasOwnProperty", "__defineGetter__", "then", "toJSON"];
const FIELD_KEYS = ["messages", "role", "parts", "type", "text", "id", "model", "provider", "apiKey", "metadata", "trigger", "messageId"];
const jsonKey = fc.oneof(fc.constantFrom(...PROTO_KEYS, ...FIELD_KEYS, "", "\u0000", "😀"), nastyString);

const scalarText = fc.oneof(
  fc.constantFrom("null", "true", "false", "0", "-0", "1e999", "-1e999", "1e-400", "123456789012345678901234567890", "-1", "0.5", "[]", "{}", '""'),
  // Not JSON at all: the parser must refuse them.
  fc.constantFrom("NaN", "Infinity", "undefined", "01", "1.", ".5", "0x10", "'x'", "tru", "nul", "[,]", "{,}", '{"a" 1}', "[1,]"),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  anyString.map((text) => JSON.stringify(text)),
);

const { value: jsonValueText } = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: false }, scalarText, tie("array"), tie("object")),
  array: fc.array(tie("value"), { maxLength: 4 }).map((items) => `[${items.join(",")}]`),
  object: fc.array(fc.tuple(jsonKey, tie("value")), { maxLength: 4 }).map((entries) => `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(",")}}`),
}));

/** 100 to 12,000 levels of nesting, closed (valid JSON) or not. */
const deepText = fc
  .tuple(fc.integer({ min: 100, max: 12_000 }), fc.constantFrom(["[", "]"], ['{"a":', "}"], ['[{"x":', "}]"], ['{"__proto__":', "}"]), fc.boolean())
  .map(([depth, [open, close], closed]) => `${open.repeat(depth)}1${closed ? close.repeat(depth) : ""}`);

/** A field's value: usually of the right type, otherwise anything. */
function fieldValue(correct: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof({ weight: 8, arbitrary: correct }, { weight: 3, arbitrary: jsonValueText }, { weight: 1, arbitrary: deepText });
}

/**
 * True with probability `p`. Not `fc.double() < p`: fast-check biases numbers towards
 * their bounds, which would make "rare" choices happen most of the time.
 */
function chance(p: number): fc.Arbitrary<boolean> {
  const yes = Math.round(p * 1000);
  if (yes <= 0) return fc.constant(false);
  if (yes >= 1000) return fc.constant(true);
  return fc.oneof({ weight: yes, arbitrary: fc.constant(true) }, { weight: 1000 - yes, arbitrary: fc.constant(false) });
}

type Field = [key: string, value: fc.Arbitrary<string>, presence: number];

/**
 * A JSON object as text: each field present with its probability, plus, now and then,
 * extra entries (prototype keys, duplicates of the real fields), first or last.
 */
function objectText(fields: Field[]): fc.Arbitrary<string> {
  const entries = fields.map(([key, value, presence]) =>
    fc.tuple(chance(presence), value).map(([present, text]) => (present ? `${JSON.stringify(key)}:${text}` : null)),
  );
  const extra = fc.oneof(
    { weight: 6, arbitrary: fc.constant<string[]>([]) },
    { weight: 1, arbitrary: fc.array(fc.tuple(jsonKey, jsonValueText).map(([key, value]) => `${JSON.stringify(key)}:${value}`), { minLength: 1, maxLength: 3 }) },
  );
  return fc
    .tuple(fc.tuple(...entries), extra, fc.boolean())
    .map(([present, extras, extrasFirst]) => {
      const own = present.filter((entry): entry is string => entry !== null);
      return `{${(extrasFirst ? [...extras, ...own] : [...own, ...extras]).join(",")}}`;
    });
}

const str = (arbitrary: fc.Arbitrary<string>) => arbitrary.map((text) => JSON.stringify(text));

const textPart = objectText([
  ["type", fieldValue(fc.constant('"text"')), 0.97],
  ["text", fieldValue(str(fc.oneof({ weight: 4, arbitrary: fc.constantFrom("How do I run a node?", "What is Quire?") }, { weight: 4, arbitrary: anyString }, { weight: 1, arbitrary: hugeString(30_000, 40_000) }))), 0.95],
]);
const otherPart = objectText([
  ["type", fieldValue(str(fc.oneof(fc.constantFrom("reasoning", "step-start", "source-url", "file", "data-notice", "tool-x", "dynamic-tool", ""), nastyString))), 0.95],
  ["text", fieldValue(str(anyString)), 0.3],
  ["url", fieldValue(str(fc.oneof(fc.webUrl(), nastyString))), 0.2],
  ["data", jsonValueText, 0.2],
]);

const message = objectText([
  ["id", fieldValue(str(fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), anyString))), 0.7],
  ["role", fieldValue(str(fc.oneof({ weight: 6, arbitrary: fc.constant("user") }, fc.constantFrom("assistant", "system", "tool", "USER", ""), nastyString))), 0.97],
  ["parts", fieldValue(fc.array(fc.oneof({ weight: 4, arbitrary: textPart }, { weight: 1, arbitrary: otherPart }), { maxLength: 4 }).map((parts) => `[${parts.join(",")}]`)), 0.97],
  ["metadata", jsonValueText, 0.1],
]);

/** 1 to 4 messages, now and then none, or more than QUIRE_MAX_MESSAGES copies of a short one. */
const messages = fc.oneof(
  { weight: 12, arbitrary: fc.array(message, { minLength: 1, maxLength: 4 }).map((list) => `[${list.join(",")}]`) },
  { weight: 1, arbitrary: fc.constant("[]") },
  { weight: 1, arbitrary: fc.integer({ min: 90, max: 130 }).map((count) => `[${Array.from({ length: count }, () => '{"role":"user","parts":[{"type":"text","text":"hi"}]}').join(",")}]`) },
);

const fuzzedChatBody = objectText([
  ["messages", fieldValue(messages), 0.97],
  ["model", fieldValue(str(fc.oneof(fc.constantFrom("deepseek-ai/DeepSeek-V3.2-TEE", "deepseek/deepseek-chat-v3.1", " ", "x".repeat(201)), nastyString))), 0.25],
  ["provider", fieldValue(str(fc.oneof(fc.constantFrom("chutes", "openrouter", "Chutes", ""), nastyString))), 0.25],
  ["id", fieldValue(str(fc.oneof(fc.string({ maxLength: 12 }), anyString))), 0.3],
  ["trigger", fieldValue(str(fc.constantFrom("submit-message", "regenerate-message", "x"))), 0.2],
  ["messageId", fieldValue(str(fc.string({ maxLength: 12 }))), 0.1],
]);

/**
 * Bodies the schema accepts, with nasty content where the schema allows anything: unicode
 * edge cases in the texts, prototype keys and deep nesting in the loose parts and metadata.
 * These get past validation to retrieval, the prompt and the model.
 */
const deepArray = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
const LOOSE_EXTRAS = [
  "",
  ',"__proto__":{"polluted":true}',
  ',"constructor":{"prototype":{"polluted":true}}',
  ',"metadata":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
  `,"metadata":${deepArray}`,
  `,"extra":${deepArray}`,
  ',"toJSON":"x","then":"y"',
];
const validText = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("How do I run a node?", "What is Quire?", "hi", " ") },
  { weight: 4, arbitrary: nastyString.filter((text) => text.length > 0) },
  { weight: 1, arbitrary: hugeString(1_000, 31_000) },
);
const validPart = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(validText, fc.constantFrom(...LOOSE_EXTRAS.slice(0, 4))).map(([text, extra]) => `{"type":"text","text":${JSON.stringify(text)}${extra}}`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '{"type":"step-start"}',
      '{"type":"reasoning","text":"hmm"}',
      '{"type":"source-url","sourceId":"s1","url":"https://example.com/a"}',
      '{"type":"data-notice","data":{"__proto__":{"polluted":true}}}',
      '{"type":"__proto__"}',
      '{"type":"constructor","text":7}',
      `{"type":"file","data":${deepArray}}`,
    ),
  },
);
const validMessage = (role: fc.Arbitrary<string>) =>
  fc
    .tuple(role, fc.array(validPart, { minLength: 1, maxLength: 3 }), fc.constantFrom(...LOOSE_EXTRAS), fc.option(fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), nastyString.filter((text) => text.length > 0 && text.length <= 200))))
    .map(([who, parts, extra, id]) => `{${id === null ? "" : `"id":${JSON.stringify(id)},`}"role":"${who}","parts":[${parts.join(",")}]${extra}}`);
const validChatBody = fc
  .tuple(
    fc.array(validMessage(fc.constantFrom("user", "assistant")), { maxLength: 3 }),
    validMessage(fc.constant("user")),
    fc.oneof({ weight: 6, arbitrary: fc.constant("") }, { weight: 2, arbitrary: fc.constantFrom(',"model":"deepseek-ai/DeepSeek-V3.2-TEE"', ',"model":"deepseek/deepseek-chat-v3.1"', ',"provider":"chutes"', ',"provider":"openrouter"') }, { weight: 1, arbitrary: nastyString.filter((text) => text.trim().length > 0 && text.length <= 200).map((model) => `,"model":${JSON.stringify(model)}`) }),
    fc.constantFrom("", ',"id":"chat-1","trigger":"submit-message"', ',"trigger":"regenerate-message","messageId":"m1"', ...LOOSE_EXTRAS),
  )
  .map(([history, last, model, extra]) => `{"messages":[${[...history, last].join(",")}]${model}${extra}}`);

const chatBody = fc.oneof({ weight: 5, arbitrary: validChatBody }, { weight: 6, arbitrary: fuzzedChatBody });

const HEX = "0123456789abcdef";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const fromAlphabet = (alphabet: string, length: number) => fc.string({ unit: fc.constantFrom(...alphabet), minLength: length, maxLength: length });
/** Any key of this shape is valid for the fake Chutes provider. */
const wellFormedChutesKey = fc.tuple(fromAlphabet(HEX, 32), fromAlphabet(HEX, 32), fromAlphabet(ALNUM, 32)).map(([a, b, c]) => `cpk_${a}.${b}.${c}`);
const wellFormedOpenRouterKey = fromAlphabet(HEX, 64).map((hex) => `sk-or-v1-${hex}`);
/** Tokens that look like credentials but are not valid: wrong shapes, unknown OAuth tokens, random text. */
const badToken = fc.oneof(
  fc.constantFrom("cpk_", "cak_", "sk-or-", "sk-or-v1-", "cpk_short", "Bearer", "null", "undefined"),
  fromAlphabet(ALNUM, 24).map((text) => `cak_${text}`),
  fromAlphabet(ALNUM, 24).map((text) => `cpk_${text}`),
  fromAlphabet(ALNUM, 24).map((text) => `sk-or-${text}`),
  fc.string({ minLength: 1, maxLength: 40 }),
  nastyString,
  hugeString(1_000, 8_000),
);

const keyBody = objectText([
  [
    "apiKey",
    fieldValue(
      str(
        fc.oneof(
          { weight: 3, arbitrary: wellFormedChutesKey },
          { weight: 3, arbitrary: wellFormedOpenRouterKey },
          { weight: 1, arbitrary: fc.tuple(wellFormedChutesKey, fc.constantFrom(" ", "\t", "\n", "\u00a0", "\u200b")).map(([key, pad]) => `${pad}${key}${pad}`) },
          { weight: 3, arbitrary: badToken },
          { weight: 1, arbitrary: hugeString(400, 20_000) },
        ),
      ),
    ),
    0.95,
  ],
]);

/** What is done to the JSON text at the end: mostly nothing; else truncation, BOM, garbage, a wrapper. */
function mangled(json: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 14, arbitrary: json },
    { weight: 1, arbitrary: fc.tuple(json, fc.double({ min: 0, max: 1, noNaN: true })).map(([text, at]) => text.slice(0, Math.floor(text.length * at))) },
    { weight: 1, arbitrary: json.map((text) => `\ufeff${text}`) },
    { weight: 1, arbitrary: fc.tuple(json, nastyString).map(([text, garbage]) => `${text}${garbage}`) },
    { weight: 1, arbitrary: json.map((text) => `[${text}]`) },
    { weight: 1, arbitrary: fc.constantFrom("", " ", "null", "0", '"x"', "[]", "{}", "{", "}", "[[[[", "\u0000") },
    { weight: 1, arbitrary: jsonValueText },
    { weight: 1, arbitrary: deepText },
    { weight: 1, arbitrary: hugeString(1_000, 300_000) },
  );
}

/** The text as UTF-8, or now and then with bytes spliced in that are not UTF-8. */
function encoded(text: fc.Arbitrary<string>): fc.Arbitrary<Uint8Array> {
  const invalid = fc.constantFrom([0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80], [0xe2, 0x82], [0xf0, 0x9f, 0x98]);
  return fc.oneof(
    { weight: 12, arbitrary: text.map((value) => encoder.encode(value)) },
    {
      weight: 1,
      arbitrary: fc.tuple(text, invalid, fc.double({ min: 0, max: 1, noNaN: true })).map(([value, bytes, at]) => {
        const utf8 = encoder.encode(value);
        const cut = Math.floor(utf8.length * at);
        return Uint8Array.from([...utf8.subarray(0, cut), ...bytes, ...utf8.subarray(cut)]);
      }),
    },
  );
}

// ---- headers ------------------------------------------------------------------------

const origin = fc.oneof(
  { weight: 8, arbitrary: fc.constant(APP_ORIGIN) },
  fc.constantFrom("null", "http://evil.example", `${APP_ORIGIN}/`, APP_ORIGIN.toUpperCase(), `${APP_ORIGIN}.evil.example`, "file://", "", "http://[::1]:3999", "http://localhost:3999:80"),
  fc.webUrl(),
  nastyString,
);

const contentType = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom("application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8") },
  fc.constantFrom("text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonp", "application/json-patch+json", "", "*/*", "json", "application/json; charset=latin1"),
  nastyString,
);

const contentLength = (body: Uint8Array | undefined) =>
  fc.oneof(fc.constant(String(body?.byteLength ?? 0)), fc.constantFrom("0", "1", "-1", "abc", "99999999999999999999", "2097152", "2097153", "16385", " 12 ", "1,2"), fc.nat().map(String));

const forwardedFor = fc.oneof(fc.constantFrom("1.2.3.4", "::1", "1.2.3.4, 5.6.7.8", "999.999.999.999", "[::ffff:1.2.3.4]", "unknown", "", ",,,", "fe80::1%eth0", "1.2.3.4:5678"), nastyString, fc.ipV4(), fc.ipV6());

const headerName = fc.oneof(
  fc.constantFrom("accept", "accept-language", "user-agent", "x-forwarded-host", "x-forwarded-proto", "x-real-ip", "forwarded", "referer", "x-requested-with", "sec-fetch-mode", "if-none-match", "range", "te", "expect"),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/),
);

/** Random extra headers: any name (a few named twice), any value. */
const extraHeaders = fc.array(fc.tuple(headerName, fc.oneof({ weight: 6, arbitrary: nastyString }, { weight: 1, arbitrary: hugeString(1_000, 16_000) }, { weight: 2, arbitrary: fc.webUrl() })), { maxLength: 4 });

const hostHeader = fc.oneof(fc.constantFrom("localhost:3999", "evil.example", "", "[::1]", "localhost:99999", "LOCALHOST:3999", "a".repeat(300), "localhost:3999, evil.example"), nastyString);

/** A Cookie header from pairs of our cookie names (prefixed or not), the real sealed values, tampered and garbage values. */
function cookieHeader(realCookies: string[]): fc.Arbitrary<string> {
  const names = [...harvest.names, ...harvest.names.map((name) => `__Host-${name}`), ...harvest.names.map((name) => `__Secure-${name}`)];
  const realValues = realCookies.map((cookie) => cookie.slice(cookie.indexOf("=") + 1));
  const jweShaped = fc.array(fc.string({ unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), maxLength: 60 }), { minLength: 5, maxLength: 5 }).map((parts) => parts.join("."));
  const value = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...realValues) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom(...realValues), fc.nat(), fc.constantFrom("A", "-", "_", "%", "")).map(([real, at, by]) => {
        const index = at % real.length;
        return `${real.slice(0, index)}${by}${real.slice(index + 1)}`;
      }),
    },
    { weight: 2, arbitrary: jweShaped },
    { weight: 1, arbitrary: fc.constantFrom("1", "0", "", "true", "%E0%A4%A", "%ED%A0%80", "%00", '"quoted"') },
    { weight: 2, arbitrary: nastyString },
    { weight: 1, arbitrary: hugeString(1_000, 32_000) },
  );
  const pair = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...names), value).map(([name, text]) => `${name}=${text}`) },
    { weight: 2, arbitrary: fc.constantFrom(...realCookies) },
    { weight: 1, arbitrary: nastyString },
    { weight: 1, arbitrary: fc.tuple(fc.stringMatching(/^[a-z_]{1,12}$/), value).map(([name, text]) => `${name}=${text}`) },
  );
  return fc.tuple(fc.array(pair, { minLength: 1, maxLength: 5 }), fc.constantFrom("; ", ";", "; ;", ", ", " ;  ")).map(([pairs, separator]) => pairs.join(separator));
}

const queryPair = (keys: string[], value: fc.Arbitrary<string>) =>
  fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: nastyString }), value);

/** A query string from pairs (keys repeated at times), encoded properly or written raw. */
function queryString(routeKeys: string[], value: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const keys = [...routeKeys, "__proto__", "constructor", "toString"];
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant("") },
    { weight: 6, arbitrary: fc.array(queryPair(keys, value), { maxLength: 4 }).map((pairs) => `?${new URLSearchParams(pairs).toString()}`) },
    { weight: 2, arbitrary: fc.array(queryPair(keys, value), { maxLength: 4 }).map((pairs) => `?${pairs.map(([key, text]) => `${key}=${text}`).join("&")}`) },
    { weight: 1, arbitrary: nastyString.map((text) => `?${text}`) },
    { weight: 1, arbitrary: hugeString(1_000, 20_000).map((text) => `?returnTo=${text}`) },
  );
}

/** The common part of every case: origin, content type, host, forwarded headers, extras, all optional, a few duplicated. */
function commonHeaders(body: Uint8Array | undefined): fc.Arbitrary<[string, string][]> {
  const optional = (name: string, value: fc.Arbitrary<string>, presence: number) =>
    fc.tuple(chance(presence), value, chance(0.05)).map(([present, text, twice]): [string, string][] =>
      present ? (twice ? [[name, text], [name, text === APP_ORIGIN ? "http://evil.example" : APP_ORIGIN]] : [[name, text]]) : [],
    );
  return fc
    .tuple(
      optional("origin", origin, 0.85),
      optional("sec-fetch-site", fc.oneof({ weight: 6, arbitrary: fc.constantFrom("same-origin", "same-site", "cross-site", "none") }, { weight: 1, arbitrary: fc.constantFrom("SAME-ORIGIN", "same-origin, cross-site", "") }, { weight: 1, arbitrary: nastyString }), 0.3),
      optional("content-type", contentType, body === undefined ? 0.2 : 0.9),
      optional("content-length", contentLength(body), 0.15),
      optional("host", hostHeader, 0.2),
      optional("x-forwarded-for", forwardedFor, 0.2),
      optional("referer", fc.oneof(fc.webUrl(), nastyString), 0.1),
      extraHeaders,
    )
    .map((groups) => groups.flat());
}

/** Authorization: none, a well-formed key (valid at the fakes), or a broken header of any kind. */
function authorization(validRate: number): fc.Arbitrary<{ header: [string, string][]; token: string | null }> {
  const valid = fc.oneof(wellFormedChutesKey, wellFormedOpenRouterKey);
  const none = fc.constant({ header: [] as [string, string][], token: null });
  const withToken = (token: fc.Arbitrary<string>, format: (token: string) => string) =>
    token.map((value) => ({ header: [["authorization", format(value)]] as [string, string][], token: value }));
  return fc.oneof(
    { weight: Math.max(1, Math.round(validRate * 100)), arbitrary: withToken(valid, (token) => `Bearer ${token}`) },
    { weight: Math.round((1 - validRate) * 40), arbitrary: none },
    { weight: Math.round((1 - validRate) * 30), arbitrary: withToken(badToken, (token) => `Bearer ${token}`) },
    {
      weight: Math.round((1 - validRate) * 30),
      arbitrary: fc.oneof(
        withToken(valid, (token) => `bearer    ${token}   `),
        withToken(valid, (token) => `Basic ${token}`),
        withToken(valid, (token) => token),
        withToken(valid, (token) => `Bearer ${token} ${token}`),
        withToken(badToken, (token) => `Bearer\t${token}`),
        fc.constantFrom("Bearer", "Bearer ", "", "Basic dXNlcjpwYXNz", "Bearer \u00a0").map((header) => ({ header: [["authorization", header]] as [string, string][], token: null })),
      ),
    },
  );
}

const epochMs = fc.oneof(
  fc.constantFrom(Date.now() - 3_600_000, Date.now() + 3_600_000, Date.now() + 30_000, 0, -1, 8.64e15, 1e308).map(String),
  fc.constantFrom('"soon"', "null", "true", "1e999"),
);
const sealedPayloads: Record<string, fc.Arbitrary<string>> = {
  quire_chutes_key: objectText([
    ["token", fieldValue(str(fc.oneof(wellFormedChutesKey, badToken))), 0.9],
    ["hint", fieldValue(str(nastyString)), 0.8],
    ["username", fieldValue(str(nastyString)), 0.5],
    ["balance", fieldValue(fc.constantFrom("12.5", "0", "-1", "1e308", '"12"', "null")), 0.5],
    ["validatedAt", fieldValue(epochMs), 0.8],
  ]),
  quire_openrouter_key: objectText([
    ["token", fieldValue(str(fc.oneof(wellFormedOpenRouterKey, badToken))), 0.9],
    ["hint", fieldValue(str(nastyString)), 0.8],
    ["limit", fieldValue(fc.constantFrom("10", "0", "null", "-5", '"x"')), 0.5],
    ["limitRemaining", fieldValue(fc.constantFrom("10", "0", "null", "-5", '"x"')), 0.5],
    ["validatedAt", fieldValue(epochMs), 0.8],
  ]),
  quire_chutes_session: objectText([
    ["accessToken", fieldValue(str(fc.oneof(fromAlphabet(ALNUM, 32).map((text) => `cak_${text}`), badToken))), 0.9],
    ["refreshToken", fieldValue(fc.oneof(str(fc.oneof(fromAlphabet(ALNUM, 32).map((text) => `crt_${text}`), badToken)), fc.constant("null"))), 0.9],
    ["accessExpiresAt", fieldValue(epochMs), 0.9],
    ["scope", fieldValue(fc.oneof(fc.constant("null"), str(fc.constantFrom("chutes:invoke", "openid", "")))), 0.8],
    ["sub", fieldValue(str(nastyString)), 0.9],
    ["username", fieldValue(fc.oneof(fc.constant("null"), str(nastyString))), 0.8],
  ]),
  quire_chutes_oauth_flow: objectText([
    ["state", fieldValue(str(fc.oneof(fc.constant("fuzz-state"), nastyString))), 0.9],
    ["verifier", fieldValue(str(fc.oneof(fromAlphabet(ALNUM, 43), fromAlphabet(ALNUM, 128), nastyString))), 0.9],
    ["returnTo", fieldValue(str(fc.oneof(fc.constantFrom("/", "/settings", "//evil.example", "https://evil.example", "/api/chat"), nastyString))), 0.9],
  ]),
};

/** 0 to 2 cookies sealed with the real secret around a payload of any shape. */
const sealedCookies = fc.oneof(
  { weight: 3, arbitrary: fc.constant<{ name: string; payload: string }[]>([]) },
  {
    weight: 1,
    arbitrary: fc.array(
      fc.constantFrom(...Object.keys(sealedPayloads)).chain((name) => sealedPayloads[name]!.map((payload) => ({ name, payload }))),
      { minLength: 1, maxLength: 2 },
    ),
  },
);

function optionalCookie(realCookies: string[], presence: number): fc.Arbitrary<[string, string][]> {
  return fc.tuple(chance(presence), cookieHeader(realCookies)).map(([present, cookie]) => (present ? [["cookie", cookie]] : []));
}

/** A GET route's case: GET (or HEAD, which Next.js answers with the GET handler), a query, headers, cookies. */
function getCase(path: string, query: fc.Arbitrary<string>, realCookies: string[], validAuthRate = 0.2): fc.Arbitrary<Case> {
  return fc
    .tuple(fc.oneof({ weight: 9, arbitrary: fc.constant("GET") }, { weight: 1, arbitrary: fc.constant("HEAD") }), query, commonHeaders(undefined), authorization(validAuthRate), optionalCookie(realCookies, 0.6), sealedCookies)
    .map(([method, queryText, headers, auth, cookie, sealed]) => ({
      method,
      path,
      query: queryText,
      headers: [...headers, ...auth.header, ...cookie],
      secrets: auth.token ? [auth.token] : [],
      sealed,
    }));
}

/** A POST (or DELETE) route's case with a generated body. */
function bodyCase(path: string, methods: string[], body: fc.Arbitrary<Uint8Array | undefined>, realCookies: string[], validAuthRate: number): fc.Arbitrary<Case> {
  return fc
    .tuple(fc.constantFrom(...methods), body, fc.oneof({ weight: 6, arbitrary: fc.constant("") }, { weight: 1, arbitrary: queryString(["x", "provider"], nastyString) }), authorization(validAuthRate), optionalCookie(realCookies, 0.5), sealedCookies)
    .chain(([method, bytes, query, auth, cookie, sealed]) =>
      commonHeaders(bytes).map((headers) => ({ method, path, query, headers: [...headers, ...auth.header, ...cookie], body: bytes, secrets: auth.token ? [auth.token] : [], sealed })),
    );
}

const jsonBody = (json: fc.Arbitrary<string>) =>
  fc.oneof({ weight: 20, arbitrary: encoded(mangled(json)) }, { weight: 1, arbitrary: fc.constant(undefined) });

// ---- running a case and judging the answer ----------------------------------------------

function toRequest(testCase: Case): Request {
  const headers = new Headers();
  for (const [name, value] of testCase.headers) headers.append(name, wire(value));
  // A Uint8Array body gets no Content-Type of its own, so a missing header stays missing.
  const body = testCase.body === undefined || testCase.method === "GET" || testCase.method === "HEAD" ? undefined : new Uint8Array(testCase.body);
  return new Request(`${APP_ORIGIN}${testCase.path}${testCase.query}`, { method: testCase.method, headers, body });
}

function excerpt(text: string, max = 240): string {
  const printable = JSON.stringify(text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text);
  return printable;
}

/** The case as a short, printable line. */
function describeCase(testCase: Case): string {
  const body = testCase.body === undefined ? "no body" : `body ${excerpt(Buffer.from(testCase.body).toString("utf8"))} (${testCase.body.byteLength} bytes)`;
  const headers = testCase.headers.map(([name, value]) => `${name}: ${excerpt(value, 80)}`).join(" | ");
  return `${testCase.method} ${testCase.path}${excerpt(testCase.query, 120)} [${headers}] ${body}`;
}

interface Finding {
  route: string;
  problem: string;
  example: string;
  /** The whole first case, for ROUTE_FUZZ_DUMP. */
  testCase: Case;
  count: number;
}

const findings = new Map<string, Finding>();

function record(route: string, problem: string, testCase: Case): void {
  // One entry per distinct problem: the digits of sizes and ids are not part of its identity.
  const signature = `${route} ${problem.replace(/\d+/g, "N")}`;
  const known = findings.get(signature);
  if (known) known.count += 1;
  else findings.set(signature, { route, problem, example: describeCase(testCase), testCase, count: 1 });
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: no answer to ${what} within ${CASE_TIMEOUT_MS} ms`)), CASE_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The JSON chunks of a UI message stream (SSE `data:` lines); a line that is not JSON is a problem too. */
function uiStreamChunks(text: string): { type: string; errorText?: unknown }[] {
  return text
    .split("\n")
    .filter((line) => line.startsWith("data: ") && line !== "data: [DONE]")
    .map((line) => JSON.parse(line.slice(6)) as { type: string; errorText?: unknown });
}

const allowedRedirectOrigins = () => new Set([APP_ORIGIN, new URL(fakes.chutesIdpUrl).origin]);

/** Every problem with one answer; empty when the answer is right. */
async function judge(route: string, testCase: Case, response: Response, counted: (errorCode: string | null) => void): Promise<string[]> {
  const problems: string[] = [];
  const isChatStream = route === "POST /api/chat" && response.status === 200;
  const text = await withTimeout(response.text(), `${route} body`);
  let errorCode: string | null = null;
  try {
    errorCode = response.status >= 400 ? (errorResponseSchema.safeParse(JSON.parse(text)).data?.error.code ?? null) : null;
  } catch {
    errorCode = null;
  }
  if (response.status >= 300 && response.status < 400) {
    // Where a redirect goes says more than its status: the IDP, the error page's reason, or back into the app.
    const target = new URL(response.headers.get("location") ?? "/", APP_ORIGIN);
    errorCode = target.origin !== APP_ORIGIN ? "→idp" : target.pathname === "/auth/error" ? `→${target.searchParams.get("reason")}` : "→app";
  }
  counted(errorCode);
  if (response.status >= 500) {
    let code = "?";
    try {
      code = errorResponseSchema.parse(JSON.parse(text)).error.code;
    } catch {
      // not our JSON error: the excerpt below says what it was
    }
    problems.push(`status ${response.status} (${code}): ${excerpt(text, 200)}`);
  } else if (response.status >= 400) {
    let parsed = false;
    try {
      parsed = errorResponseSchema.safeParse(JSON.parse(text)).success;
    } catch {
      parsed = false;
    }
    if (!parsed && testCase.method !== "HEAD") problems.push(`${response.status} body is not {error:{code,message}}: ${excerpt(text, 120)}`);
  } else if (response.status >= 300) {
    const location = response.headers.get("location");
    if (!location) problems.push(`${response.status} without Location`);
    else {
      const target = new URL(location, APP_ORIGIN);
      if (!allowedRedirectOrigins().has(target.origin)) problems.push(`redirect off-site to ${excerpt(location, 120)}`);
      if (target.origin !== APP_ORIGIN && !target.href.startsWith(`${fakes.chutesIdpUrl}/idp/authorize?`)) problems.push(`redirect to ${excerpt(location, 120)}`);
      // The sign-in pages' 5xx: "could not reach Chutes" while the fake IDP is up and answering.
      const reason = target.pathname === "/auth/error" ? target.searchParams.get("reason") : null;
      if (reason === "idp_unavailable" || reason === "userinfo_failed" || reason === "misconfigured") {
        problems.push(`redirect to the error page with reason=${reason} while the IDP is healthy`);
      }
    }
  } else if (isChatStream) {
    if (!(response.headers.get("content-type") ?? "").includes("text/event-stream")) problems.push(`200 chat answer is ${response.headers.get("content-type")}`);
    for (const chunk of uiStreamChunks(text)) {
      if (chunk.type !== "error") continue;
      const payload = parseStreamErrorText(String(chunk.errorText));
      if (payload.code === "internal_error") problems.push(`stream error part internal_error: ${excerpt(payload.message, 120)}`);
    }
  } else if (testCase.method !== "HEAD") {
    try {
      JSON.parse(text);
    } catch {
      problems.push(`${response.status} body is not JSON: ${excerpt(text, 120)}`);
    }
  }
  const cookies = response.headers.getSetCookie();
  for (const cookie of cookies) if (!/;\s*HttpOnly/i.test(cookie)) problems.push(`Set-Cookie without HttpOnly: ${excerpt(cookie, 80)}`);
  // The secrets a case sent are long random strings; finding one in the answer is an echo, not chance.
  for (const secret of testCase.secrets.filter((value) => value.trim().length >= 20)) {
    if (text.includes(secret.trim()) || cookies.some((cookie) => cookie.includes(secret.trim()))) problems.push("the answer echoes the credential it was sent");
  }
  return problems;
}

const histograms = new Map<string, Map<string, number>>();

function count(route: string, outcome: string): void {
  const histogram = histograms.get(route) ?? new Map<string, number>();
  histogram.set(outcome, (histogram.get(outcome) ?? 0) + 1);
  histograms.set(route, histogram);
}

let casesSinceClear = 0;

async function addSealedCookies(testCase: Case): Promise<void> {
  const { seal } = await import("@/src/server/auth/sealed-cookie");
  const pairs: string[] = [];
  for (const { name, payload } of testCase.sealed ?? []) {
    let claims: unknown;
    try {
      claims = JSON.parse(payload);
      if (typeof claims !== "object" || claims === null || Array.isArray(claims)) continue;
      // A cookie name is its own audience (sealed-cookie.ts); on http the wire name has no prefix.
      pairs.push(`${name}=${encodeURIComponent(await seal(name, claims as Record<string, unknown>, 3600))}`);
    } catch {
      // Not a JSON object jose can seal (e.g. too deep to stringify): the case goes without it.
      continue;
    }
  }
  if (pairs.length === 0) return;
  const index = testCase.headers.findIndex(([name]) => name === "cookie");
  if (index === -1) testCase.headers.push(["cookie", pairs.join("; ")]);
  else testCase.headers[index] = ["cookie", `${testCase.headers[index]![1]}; ${pairs.join("; ")}`];
}

async function runCase(route: string, generated: Case): Promise<void> {
  // The fakes record every request; nothing here reads them, so keep that list short.
  if (++casesSinceClear % 200 === 0) fakes.clearRequests();
  const testCase: Case = { ...generated, headers: [...generated.headers] };
  await generated.prepare?.(testCase);
  await addSealedCookies(testCase);
  loggedErrors.length = 0;
  const routeKey = `${testCase.method === "HEAD" ? "GET" : testCase.method} ${testCase.path}`;
  const handler = routes[routeKey];
  if (!handler) throw new Error(`no handler for ${routeKey}`);
  let response: Response;
  try {
    response = await withTimeout(handler(toRequest(testCase), { params: Promise.resolve({}) }), routeKey);
  } catch (error) {
    count(route, "threw");
    record(route, `threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`.slice(0, 300), testCase);
    return;
  }
  let problems: string[];
  try {
    problems = await judge(route, testCase, response, (code) => count(route, code ? `${response.status} ${code}` : String(response.status)));
  } catch (error) {
    count(route, `${response.status} unread`);
    problems = [`reading the answer failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300)];
  }
  for (const logged of loggedErrors) problems.push(`logged an error (${response.status}): ${logged}`);
  for (const problem of problems) record(route, problem, testCase);
}

async function fuzz(route: string, arbitrary: fc.Arbitrary<Case>, numRuns: number, seedOffset: number): Promise<void> {
  const started = performance.now();
  await fc.assert(
    fc.asyncProperty(arbitrary, async (testCase) => {
      await runCase(route, testCase);
    }),
    // Failures are recorded, not thrown; a throw here is a bug of this test, reported as is.
    { seed: SEED + seedOffset, numRuns, endOnFailure: true },
  );
  const histogram = Object.fromEntries([...(histograms.get(route) ?? new Map<string, number>())].sort(([a], [b]) => a.localeCompare(b)));
  const cases = Object.values(histogram).reduce((sum, value) => sum + value, 0);
  console.log(`[route-fuzz] ${route}: ${cases} cases in ${((performance.now() - started) / 1000).toFixed(1)} s, statuses ${JSON.stringify(histogram)}`);
  expect(cases).toBeGreaterThanOrEqual(numRuns);
}

/**
 * ROUTE_FUZZ_DUMP=/some/file.json writes each failing case in full (body as base64),
 * to replay it by hand; the console only shows excerpts.
 */
function dumpFindings(): void {
  const target = process.env.ROUTE_FUZZ_DUMP;
  if (!target) return;
  const cases = [...findings.values()].map(({ route, problem, count, testCase }) => ({
    route,
    problem,
    count,
    method: testCase.method,
    url: `${APP_ORIGIN}${testCase.path}${testCase.query}`,
    headers: testCase.headers.map(([name, value]) => [name, wire(value)]),
    bodyBase64: testCase.body === undefined ? null : Buffer.from(testCase.body).toString("base64"),
  }));
  writeFileSync(target, JSON.stringify(cases, null, 2));
}

function reportFindings(route: string): void {
  dumpFindings();
  const mine = [...findings.values()].filter((finding) => finding.route === route);
  for (const finding of mine) console.log(`[route-fuzz] FAIL ${route} ×${finding.count}: ${finding.problem}\n    e.g. ${finding.example}`);
  expect(mine.map((finding) => `${finding.problem} (×${finding.count})`), `problems found on ${route}; see the [route-fuzz] FAIL lines`).toEqual([]);
}

// ---- the routes ---------------------------------------------------------------------------

describe("fuzzing every API route", { timeout: 120_000 }, () => {
  it("POST /api/chat", async () => {
    const realCookies = [harvest.chutesKeyCookie, harvest.openrouterKeyCookie, harvest.sessionCookie, "quire_chutes_session_expired=1"];
    // Valid credentials in about a third of the cases, so that valid bodies also reach the model and stream.
    const chatCase = bodyCase("/api/chat", ["POST"], jsonBody(chatBody), realCookies, 0.35);
    await fuzz("POST /api/chat", chatCase, 1_000, 1);
    reportFindings("POST /api/chat");
  });

  it("GET /api/auth/status", async () => {
    const realCookies = [harvest.chutesKeyCookie, harvest.openrouterKeyCookie, harvest.sessionCookie, "quire_chutes_session_expired=1"];
    await fuzz("GET /api/auth/status", getCase("/api/auth/status", queryString(["provider", "x"], nastyString), realCookies), 1_000, 2);
    reportFindings("GET /api/auth/status");
  });

  for (const [index, provider] of (["chutes", "openrouter"] as const).entries()) {
    const path = `/api/auth/${provider}/key`;
    it(`POST|DELETE ${path}`, async () => {
      const realCookies = [harvest.chutesKeyCookie, harvest.openrouterKeyCookie, harvest.sessionCookie];
      await fuzz(`POST|DELETE ${path}`, bodyCase(path, ["POST", "POST", "DELETE"], jsonBody(keyBody), realCookies, 0.1), 1_000, 3 + index);
      reportFindings(`POST|DELETE ${path}`);
    });
  }

  it("GET /api/auth/chutes/login", async () => {
    const returnTo = fc.oneof(
      fc.constantFrom("/", "/settings", "//evil.example", "/\\evil.example", "/\t/evil.example", "https://evil.example", "/api/chat", "/%2F%2Fevil.example", "javascript:alert(1)", "/..//evil.example", "/%5Cevil.example", "\\\\evil.example", "/a?b#c", ""),
      nastyString.map((text) => `/${text}`),
      nastyString,
    );
    await fuzz("GET /api/auth/chutes/login", getCase("/api/auth/chutes/login", queryString(["returnTo"], returnTo), [harvest.flowCookie, harvest.sessionCookie]), 1_000, 5);
    reportFindings("GET /api/auth/chutes/login");
  });

  it("GET /api/auth/chutes/callback", async () => {
    /**
     * Four kinds of flow cookie: none or garbage (refused before any network call); the
     * harvested flow with its own state and a made-up code (the fake IDP refuses the code);
     * one sealed with the real secret around a payload of any shape (schema, PKCE); and now
     * and then a fresh sign-in whose real answer is kept or mutated (duplicated, emptied).
     */
    const param = fc.oneof(fc.constantFrom("access_denied", "invalid_request", "server_error", "", "x"), nastyString, hugeString(1_000, 8_000));
    const mutations = fc.array(fc.tuple(fc.constantFrom("code", "state", "error", "error_description", "iss", "returnTo", "session_state"), param, fc.boolean()), { maxLength: 3 });
    const flowKind = fc.constantFrom("none", "harvested", "harvested", "fresh", "forged");
    const base = getCase("/api/auth/chutes/callback", queryString(["code", "state", "error", "iss"], param), [harvest.flowCookie, harvest.sessionCookie], 0);
    const forgedFlow = sealedPayloads.quire_chutes_oauth_flow!;
    const callbackCase = fc.tuple(flowKind, mutations, base, forgedFlow).map(([kind, changes, testCase, flowPayload]): Case => {
      if (kind === "none") return testCase;
      if (kind === "forged") {
        // A sealed flow of any shape; when its state is "fuzz-state", the query repeats it, so the code exchange runs.
        return {
          ...testCase,
          headers: testCase.headers.filter(([name]) => name !== "cookie"),
          query: `?code=fuzz&state=fuzz-state${testCase.query.replace(/^\?/, "&")}`,
          sealed: [{ name: "quire_chutes_oauth_flow", payload: flowPayload }],
        };
      }
      return {
        ...testCase,
        // Filled in just before the call: a fresh flow needs a login and the IDP's answer.
        prepare: async (target) => {
          const flow = kind === "fresh" ? await startFlow() : { flowCookie: harvest.flowCookie, callbackQuery: `?code=fuzz&state=${encodeURIComponent(harvest.flowState)}` };
          const params = new URLSearchParams(flow.callbackQuery);
          for (const [name, value, replace] of changes) {
            if (replace) params.set(name, value);
            else params.append(name, value);
          }
          target.query = changes.length === 0 ? flow.callbackQuery : `?${params.toString()}`;
          target.headers = [...target.headers.filter(([name]) => name !== "cookie"), ["cookie", flow.flowCookie]];
        },
      };
    });
    await fuzz("GET /api/auth/chutes/callback", callbackCase, 1_000, 6);
    reportFindings("GET /api/auth/chutes/callback");
  });

  it("POST /api/auth/chutes/logout", async () => {
    // The spare session may be revoked by these cases; the other one stays for chat and status.
    const realCookies = [harvest.spareSessionCookie, harvest.chutesKeyCookie, "quire_chutes_session_expired=1"];
    const anyBody = fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: encoded(mangled(jsonValueText)) });
    await fuzz("POST /api/auth/chutes/logout", bodyCase("/api/auth/chutes/logout", ["POST"], anyBody, realCookies, 0.1), 1_000, 7);
    reportFindings("POST /api/auth/chutes/logout");
  });

  it("GET /api/models", async () => {
    const provider = fc.oneof({ weight: 3, arbitrary: fc.constantFrom("chutes", "openrouter") }, fc.constantFrom("Chutes", "", "null", "chutes,openrouter", "__proto__", "constructor"), nastyString);
    const realCookies = [harvest.chutesKeyCookie, harvest.openrouterKeyCookie, harvest.sessionCookie];
    await fuzz("GET /api/models", getCase("/api/models", queryString(["provider"], provider), realCookies, 0.3), 1_000, 8);
    reportFindings("GET /api/models");
  });

  it("leaves Object.prototype alone and the server healthy", async () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort().join(",")).toBe(pollutionProbe);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const key = fakes.keys.chutesKey("after-fuzz");
    const response = await plainRequest("POST /api/chat", { headers: { authorization: `Bearer ${key}` }, body: { messages: [userMessage("How do I run a node?")] } });
    expect(response.status).toBe(200);
    const chunks = await readUiStream(response);
    expect(streamedText(chunks).length).toBeGreaterThan(20);
    expect(chunks.at(-1)?.type).toBe("finish");
    const status = await plainRequest("GET /api/auth/status", { headers: { cookie: harvest.chutesKeyCookie } });
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ chutes: { apiKey: { username: "fuzz-cookie" } } });
  });
});
