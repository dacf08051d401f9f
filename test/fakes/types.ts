/**
 * Public types of the fake providers. `server.ts` re-exports all of them; other
 * code should import from there.
 */

export type ProviderName = "chutes" | "openrouter";

/** Which base URL a request came in on. */
export type Surface = "api" | "llm" | "embed" | "openrouter";

/**
 * Per-credential (or one-shot) knobs that make the fakes misbehave the way the
 * real providers do. See /work/shared/PROTOCOLS.md §1.8 and §2.7 for the bodies.
 */
export interface Behavior {
  /** 401 with the provider's real error body. */
  reject?: boolean;
  /** 402 before the stream, or an in-band error after some content tokens. */
  creditsExhausted?: "before" | "midstream";
  /** `metadata.limit_source` on OpenRouter 402s (default `openrouter_credits`). */
  openrouterLimitSource?: "openrouter_credits" | "openrouter_key_limit";
  /** 429 with a Retry-After header. */
  rateLimit?: { retryAfterSeconds: number };
  /** Chutes 503 "No instances available"; OpenRouter 503 "no provider". */
  unavailable?: boolean;
  /** 403 (Chutes scope error body, OpenRouter moderation body). */
  forbidden?: boolean;
  /** Chutes 500, OpenRouter 502. */
  serverError?: boolean;
  /** Delay before the first content token (and before a non-stream response). */
  firstTokenDelayMs?: number;
  /** Delay before an embedding response; unset means firstTokenDelayMs. */
  embedDelayMs?: number;
  /** Delay before a Chutes /users/me answer (the balance check beside a chat). */
  accountDelayMs?: number;
  /** Pace of content tokens; unset means as fast as the socket takes them. */
  tokensPerSecond?: number;
  /** Destroy the socket after N content tokens, without [DONE]. */
  dropAfterTokens?: number;
  /** With creditsExhausted "midstream": content tokens sent before the error (default 3). */
  midstreamAfterTokens?: number;
  /** Exact reply text for chat. */
  reply?: string;
  /** Exact reply text for non-streamed chat (`stream` not true); unset means `reply`. Lets one key stream an answer and complete something else. */
  completionReply?: string;
  /**
   * Reasoning text streamed before the content; null turns it off. Default:
   * OpenRouter always reasons, Chutes only when thinking is enabled (`:THINKING`
   * model suffix, `X-Enable-Thinking: true` or `chat_template_kwargs.thinking`).
   */
  reasoning?: string | null;
  /** Chutes /users/me balance; OpenRouter /credits balance (total_credits - total_usage). */
  balance?: number;
  /** Chutes /users/me username (default: the key's seed, e.g. "alice"). */
  username?: string;
  /** OpenRouter /key `limit` and `limit_remaining`. */
  limit?: number | null;
  limitRemaining?: number | null;
  /** Chutes /users/me/quotas body (default `{}`). */
  quotas?: unknown;
}

export type NextBehavior = Behavior & { provider?: ProviderName; times?: number };

export interface RecordedRequest {
  provider: ProviderName;
  /** Which base URL (Chutes has three). */
  surface: Surface;
  method: string;
  /** Relative to the provider prefix, e.g. "/chat/completions", "/users/me", "/idp/token". */
  path: string;
  query: Record<string, string>;
  authorization: string | null;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Parsed JSON, form fields for urlencoded bodies, the raw string otherwise, null when empty. */
  body: unknown;
  /** Date.now() values. */
  startedAt: number;
  endedAt?: number;
  /** Set when the client closed the connection before the response finished. */
  clientClosedAt?: number;
  status?: number;
}

export interface FakeOAuthClient {
  clientId: string;
  clientSecret?: string;
  redirectUris: string[];
  /** Privileged scopes (admin, billing:read, *:write) this app was registered for. */
  privilegedScopes?: string[];
}

export interface FakeOAuth {
  registerClient(client: FakeOAuthClient): void;
  /** Authorize redirects with error=access_denied while set. */
  setDeny(deny: boolean): void;
  /** Lifetime of access tokens issued from now on (default 3600). */
  setAccessTokenTtlSeconds(seconds: number): void;
  /** Every access token issued so far becomes expired (401 on use). */
  expireAccessTokens(): void;
  issued: { accessTokens: string[]; refreshTokens: string[]; revoked: string[] };
  /** Recorded POST /idp/token requests, optionally of one grant type. */
  tokenCalls(grantType?: "authorization_code" | "refresh_token"): RecordedRequest[];
}

export interface KeyRegistry {
  /** A deterministic well-formed `cpk_` key; the seed becomes the username (default "alice"). */
  chutesKey(seed?: string): string;
  /** A deterministic `sk-or-v1-<64 hex>` key; management keys may read /credits in strict mode. */
  openrouterKey(seed?: string, options?: { management?: boolean }): string;
  /** The username /users/me reports for a Chutes key. */
  chutesUsername(key: string): string;
  isWellFormedChutesKey(value: string): boolean;
  isValidOpenRouterKey(value: string): boolean;
  isManagementKey(value: string): boolean;
}

export type CreditsMode = "legacy" | "strict";

export interface ChatReplyRequest {
  lastUserMessage: string;
  model: string;
  messages: unknown[];
}

export interface FakeProvidersOptions {
  port?: number;
  oauthClients?: FakeOAuthClient[];
  openrouterCreditsMode?: CreditsMode;
  chat?: { reply?: (request: ChatReplyRequest) => string };
}

export interface FakeProviders {
  /** http://127.0.0.1:PORT */
  url: string;
  chutesApiUrl: string;
  chutesIdpUrl: string;
  chutesLlmUrl: string;
  chutesEmbedUrl: string;
  openrouterUrl: string;
  /** Every provider request, in order (control requests under /__fake are not recorded). */
  requests: RecordedRequest[];
  /** CHUTES_API_URL, CHUTES_IDP_URL, CHUTES_LLM_URL, CHUTES_EMBED_URL, OPENROUTER_API_URL. */
  env(): Record<string, string>;
  keys: KeyRegistry;
  oauth: FakeOAuth;
  /** Standing knobs for one key or token; "*" applies to every credential. Replaces earlier knobs. */
  setBehavior(credential: string, behavior: Behavior): void;
  /** Knobs for the next N (default 1) chat/embedding requests, whatever their key. */
  setNextBehavior(behavior: NextBehavior): void;
  setOpenRouterCreditsMode(mode: CreditsMode): void;
  clearRequests(): void;
  /** Clears requests, behaviors, all IDP grants (codes, tokens, revocations), deny and TTL, and the credits mode; keeps clients. */
  reset(): void;
  close(): Promise<void>;
}
