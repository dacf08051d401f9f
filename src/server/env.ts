import "server-only";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { z } from "zod";
import { capSpec, rateSpec, trustProxySchema } from "@/src/server/security/rate-limit-spec";
import { allowedHostsSchema } from "@/src/server/security/host-check";
import { DEFAULT_APP_CONFIG } from "@/src/shared/app-config";
import { syncIntervalSchema } from "@/src/server/sync/interval";
import { CHAT_LIMITS } from "@/src/shared/chat";

/**
 * The one reader of `process.env`. Every variable is parsed here with zod, with
 * defaults that work on an empty machine. A bad value stops start-up with a
 * message that names the variable (see README "Configuration").
 */

const url = z.url({ protocol: /^https?$/ }).transform((value) => value.replace(/\/+$/, ""));
const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value.trim()));
const milliseconds = (fallback: number) => z.coerce.number().int().min(100).max(600_000).default(fallback);
/** A text variable whose empty value means "not set", so that it takes the default. */
const textWithDefault = (fallback: string, max: number) =>
  optionalString.pipe(z.string().max(max, `must be at most ${max} characters`).default(fallback));
const booleanFlag = z
  .enum(["0", "1", "true", "false", "yes", "no", ""])
  .optional()
  .transform((value) => value === "1" || value === "true" || value === "yes");

export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  PORT: z.coerce.number().int().min(1).max(65_535).default(3000),
  APP_URL: url.optional(),
  /**
   * Host names Quire answers to besides APP_URL's (comma list of host or host:port);
   * any other Host gets 421 (DNS rebinding). Read by proxy.ts through the same schema;
   * parsed here too so that a bad entry stops start-up.
   */
  QUIRE_ALLOWED_HOSTS: allowedHostsSchema,
  QUIRE_DATA_DIR: z.string().min(1).default("./data"),
  SESSION_SECRET: optionalString.pipe(
    z.string().min(32, "must be at least 32 characters (e.g. `openssl rand -base64 48`)").optional(),
  ),
  /** The secret before a rotation: cookies sealed with it are still read (and resealed with the new one when next written). */
  SESSION_SECRET_PREVIOUS: optionalString.pipe(z.string().min(32, "must be at least 32 characters").optional()),

  CHUTES_API_URL: url.default("https://api.chutes.ai"),
  CHUTES_IDP_URL: url.optional(),
  CHUTES_LLM_URL: url.default("https://llm.chutes.ai/v1"),
  CHUTES_EMBED_URL: url.default("https://chutes-baai-bge-m3.chutes.ai/v1"),
  OPENROUTER_API_URL: url.default("https://openrouter.ai/api/v1"),

  CHUTES_DEFAULT_MODEL: z.string().min(1).default("deepseek-ai/DeepSeek-V3.2-TEE"),
  OPENROUTER_DEFAULT_MODEL: z.string().min(1).default("deepseek/deepseek-chat-v3.1"),
  CHUTES_EMBED_MODEL: z.string().min(1).default("BAAI/bge-m3"),
  OPENROUTER_EMBED_MODEL: z.string().min(1).default("baai/bge-m3"),

  CHUTES_OAUTH_CLIENT_ID: optionalString,
  CHUTES_OAUTH_CLIENT_SECRET: optionalString,
  CHUTES_OAUTH_SCOPES: z.string().min(1).default("openid profile chutes:invoke"),
  /** Lets OAuth talk to an http:// IDP. Unsafe; for the local fake IDP in tests only. */
  QUIRE_UNSAFE_ALLOW_HTTP_IDP: booleanFlag,

  QUIRE_DOCS_DIR: z.string().min(1).default("./docs"),
  QUIRE_DOCS_BASE_URL: url.optional(),
  /** The declared sources (folders, git repositories, websites). Used when the file exists; otherwise QUIRE_DOCS_DIR. */
  QUIRE_SOURCES_FILE: z.string().min(1).default("./quire.sources.yaml"),
  /** Where the server runs the embedded database: on a worker thread of its own (default) or on the main thread. */
  QUIRE_PGLITE_THREAD: z.enum(["worker", "main"]).default("worker"),
  /** The embedded database's buffer pool: `auto` (sized from the index on disk at open) or e.g. `512MB`, `1GB`. */
  QUIRE_PGLITE_SHARED_BUFFERS: z
    .string()
    .trim()
    .regex(/^(auto|[1-9]\d*MB|1GB)$/, "auto, or a size such as 512MB (at most 1GB: PGlite's memory stops at 2 GiB)")
    .refine((value) => !value.endsWith("MB") || Number.parseInt(value, 10) <= 1024, "at most 1024MB: PGlite's memory stops at 2 GiB")
    .default("auto"),
  DATABASE_URL: optionalString.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  CHUTES_API_KEY: optionalString,
  OPENROUTER_API_KEY: optionalString,

  QUIRE_FIRST_TOKEN_TIMEOUT_MS: milliseconds(60_000),
  QUIRE_IDLE_TIMEOUT_MS: milliseconds(30_000),
  /** Once an answer streams, the tokens arriving within this long of the last relayed event go on as one (0: only those that arrived together). */
  QUIRE_STREAM_GATHER_MS: z.coerce.number().int().min(0).max(1000).default(20),
  /**
   * Under load the gathering window widens (up to 250 ms) so that all streaming answers together
   * relay about this many events per second: the server's work per answer is per event (0: never widens).
   */
  QUIRE_STREAM_RELAY_RATE: z.coerce.number().int().min(0).max(1_000_000).default(500),
  QUIRE_VALIDATION_TIMEOUT_MS: milliseconds(5_000),
  QUIRE_MAX_RETRY_WAIT_MS: milliseconds(5_000),
  QUIRE_QUERY_EMBED_TIMEOUT_MS: milliseconds(10_000),
  /** On SIGTERM/SIGINT, how long answers still streaming may finish before the store is closed anyway. */
  QUIRE_SHUTDOWN_TIMEOUT_MS: milliseconds(10_000),
  QUIRE_LOW_BALANCE_USD: z.coerce.number().min(0).default(1),
  CHUTES_FALLBACK_MODEL: optionalString,
  QUIRE_MAX_MESSAGES: z.coerce.number().int().min(1).max(1000).default(CHAT_LIMITS.maxMessages),
  QUIRE_MAX_MESSAGE_CHARS: z.coerce.number().int().min(100).max(1_000_000).default(CHAT_LIMITS.maxMessageChars),

  /** Chunk size target in tokens (o200k count), and the overlap between pieces of a long section. */
  QUIRE_CHUNK_TOKENS: z.coerce.number().int().min(64).max(4000).default(400),
  QUIRE_CHUNK_OVERLAP: z.coerce.number().int().min(0).max(1000).default(60),
  /** Texts per embedding call at ingest. */
  QUIRE_EMBED_BATCH_SIZE: z.coerce.number().int().min(1).max(256).default(32),

  /** Which X-Forwarded-For hops are our own proxies (grammar in src/server/security/rate-limit-spec.ts). */
  QUIRE_TRUST_PROXY: trustProxySchema,
  /** Rate limits, "<count>/<window>" or "off"; each applies per client address and per credential. */
  QUIRE_RATE_LIMIT_CHAT: rateSpec("30/1m"),
  QUIRE_RATE_LIMIT_KEY_CHECKS: rateSpec("10/10m"),
  /** All key checks of the server together: bounds the key-checking oracle even when addresses are forged. */
  QUIRE_RATE_LIMIT_KEY_CHECKS_GLOBAL: rateSpec("100/10m"),
  QUIRE_RATE_LIMIT_LOGIN: rateSpec("20/1m"),
  QUIRE_MAX_CONCURRENT_STREAMS: capSpec(6, 10_000),

  /** Branding: the product name (header, tab title, metadata), its one-line description and the accent colour. */
  QUIRE_TITLE: textWithDefault(DEFAULT_APP_CONFIG.title, 80),
  QUIRE_DESCRIPTION: textWithDefault(DEFAULT_APP_CONFIG.description, 300),
  QUIRE_ACCENT_COLOR: optionalString.pipe(z.string().regex(/^#[0-9a-fA-F]{6}$/, "must be a #rrggbb colour").optional()),
  /** The logo and favicon, served at /logo: an .svg, .png, .webp or .ico file; Quire's own otherwise. */
  QUIRE_LOGO_FILE: optionalString.pipe(
    z.string().regex(/\.(svg|png|webp|ico)$/i, "must name an .svg, .png, .webp or .ico file").optional(),
  ),
  /** Starter questions on an empty chat, separated by `|`; or a file with one per line. Else drawn from the docs' titles. */
  QUIRE_STARTER_QUESTIONS: optionalString,
  QUIRE_STARTER_QUESTIONS_FILE: optionalString,
  /** Offer follow-up questions after an answer. */
  QUIRE_FOLLOW_UPS: booleanFlag,
  /** How often the server re-syncs the docs inside its own process (`6h`, `30m`, `45s`); absent: never. */
  QUIRE_SYNC_INTERVAL: syncIntervalSchema,
  /**
   * The local admin endpoint that `quire ingest|status|search` use while the server owns the
   * embedded store. Bound to loopback unless QUIRE_ADMIN_HOST says otherwise, which needs
   * QUIRE_ADMIN_TOKEN. Port 0: an ephemeral port, published in QUIRE_DATA_DIR/admin.json.
   */
  QUIRE_ADMIN_HOST: z.string().trim().min(1).default("127.0.0.1"),
  QUIRE_ADMIN_PORT: z.coerce.number().int().min(0).max(65_535).default(0),
  QUIRE_ADMIN_TOKEN: optionalString.pipe(z.string().min(32, "must be at least 32 characters (e.g. `openssl rand -base64 32`)").optional()),
});

type ParsedEnv = z.infer<typeof envSchema>;

export type Env = Omit<ParsedEnv, "APP_URL" | "CHUTES_IDP_URL" | "SESSION_SECRET"> & {
  APP_URL: string;
  CHUTES_IDP_URL: string;
  SESSION_SECRET: string;
  /** True when the Chutes OAuth client is configured. */
  oauthEnabled: boolean;
  /** Absolute path of QUIRE_DATA_DIR. */
  dataDir: string;
};

export class EnvError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Parses an environment record. Throws EnvError naming each bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map((issue) => `${issue.path.join(".") || "(env)"}: ${issue.message}`),
    );
  }
  const parsed = result.data;
  if (!isLoopbackHost(parsed.QUIRE_ADMIN_HOST) && parsed.QUIRE_ADMIN_TOKEN === undefined) {
    throw new EnvError([
      `QUIRE_ADMIN_HOST: ${parsed.QUIRE_ADMIN_HOST} exposes the admin endpoint beyond this machine; set QUIRE_ADMIN_TOKEN (32+ characters) to protect it, or leave QUIRE_ADMIN_HOST unset`,
    ]);
  }
  const dataDir = path.resolve(/*turbopackIgnore: true*/ parsed.QUIRE_DATA_DIR);
  return {
    ...parsed,
    APP_URL: parsed.APP_URL ?? `http://localhost:${parsed.PORT}`,
    CHUTES_IDP_URL: parsed.CHUTES_IDP_URL ?? parsed.CHUTES_API_URL,
    SESSION_SECRET: parsed.SESSION_SECRET ?? loadOrCreateSessionSecret(dataDir),
    oauthEnabled: parsed.CHUTES_OAUTH_CLIENT_ID !== undefined,
    dataDir,
  };
}

/** Loopback interfaces: only processes on this machine reach them. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^127(\.\d{1,3}){3}$/.test(bare);
}

/**
 * A generated secret, persisted with mode 0600 so that sessions survive restarts.
 * Several instances behind a load balancer must share SESSION_SECRET instead.
 */
function loadOrCreateSessionSecret(dataDir: string): string {
  const file = path.join(dataDir, "session-secret");
  if (existsSync(file)) {
    const stored = readFileSync(file, "utf8").trim();
    if (stored.length >= 32) return stored;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString("base64url");
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

let cached: Env | undefined;

/** The parsed environment, read once per process. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Forgets the parsed environment so that tests can change process.env. */
export function resetEnvForTests(): void {
  cached = undefined;
}
