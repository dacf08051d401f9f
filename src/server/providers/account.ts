import "server-only";
import { z } from "zod";
import { AppError } from "@/src/server/errors";
import { env } from "@/src/server/env";
import { accountCheckFailure } from "@/src/server/providers/classify-error";
import type { ProviderId } from "@/src/shared/providers";

/** PROTOCOLS.md §1.1: `cpk_<32 hex>.<32 hex>.<32 alnum>`. */
export const CHUTES_KEY_PATTERN = /^cpk_[a-f0-9]{32}\.[a-f0-9]{32}\.[a-zA-Z0-9]{32}$/;
/** PROTOCOLS.md §2: `sk-or-v1-<64 hex>`; other `sk-or-` generations are let through to the provider. */
export const OPENROUTER_KEY_PATTERN = /^sk-or-[A-Za-z0-9-]{16,200}$/;

/** `GET /users/me` (PROTOCOLS.md §1.5), leniently. */
const chutesUserSchema = z.object({
  username: z.string(),
  user_id: z.string().nullish(),
  balance: z.number().nullish(),
});

/** `GET /key` (PROTOCOLS.md §2.3), leniently. */
const openRouterKeySchema = z.object({
  data: z.object({
    label: z.string().nullish(),
    limit: z.number().nullish(),
    limit_remaining: z.number().nullish(),
    usage: z.number().nullish(),
    is_free_tier: z.boolean().nullish(),
  }),
});

export interface AccountInfo {
  username: string | null;
  balance: number | null;
  limit: number | null;
  limitRemaining: number | null;
}

/** Returns null when the key has the right shape, or a message saying what is wrong with it. */
export function keyFormatProblem(provider: ProviderId, key: string): string | null {
  if (provider === "chutes") {
    if (key.startsWith("sk-or-")) return "That is an OpenRouter key. Paste it in the OpenRouter card instead.";
    if (key.startsWith("cak_")) return "That is an OAuth access token, not an API key. Use “Sign in with Chutes” instead.";
    if (!key.startsWith("cpk_")) return "A Chutes API key starts with “cpk_”.";
    return CHUTES_KEY_PATTERN.test(key) ? null : "This doesn’t look like a complete Chutes API key (cpk_… with three dot-separated parts). Copy it again.";
  }
  if (key.startsWith("cpk_")) return "That is a Chutes key. Paste it in the Chutes card instead.";
  if (!key.startsWith("sk-or-")) return "An OpenRouter API key starts with “sk-or-”.";
  return OPENROUTER_KEY_PATTERN.test(key) ? null : "This doesn’t look like a complete OpenRouter key. Copy it again.";
}

async function getJson(provider: ProviderId, url: string, token: string, signal?: AbortSignal): Promise<unknown> {
  const timeoutMs = env().QUIRE_VALIDATION_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch {
    throw accountCheckFailure(provider, timeout.aborted ? { kind: "timeout", afterMs: timeoutMs } : { kind: "unreachable" });
  }
  const body = await response.text().catch(() => "");
  if (!response.ok) {
    const failure = { status: response.status, body, retryAfterHeader: response.headers.get("retry-after") };
    throw accountCheckFailure(provider, { kind: "http", failure });
  }
  try {
    return JSON.parse(body);
  } catch {
    throw accountCheckFailure(provider, { kind: "unreadable" });
  }
}

function unreadable(provider: ProviderId): AppError {
  return accountCheckFailure(provider, { kind: "unreadable" });
}

/** Fetches who a credential belongs to and what it may spend. Throws AppError. */
export async function fetchAccount(provider: ProviderId, token: string, signal?: AbortSignal): Promise<AccountInfo> {
  if (provider === "chutes") {
    const parsed = chutesUserSchema.safeParse(await getJson(provider, `${env().CHUTES_API_URL}/users/me`, token, signal));
    if (!parsed.success) throw unreadable(provider);
    return { username: parsed.data.username, balance: parsed.data.balance ?? null, limit: null, limitRemaining: null };
  }
  const parsed = openRouterKeySchema.safeParse(await getJson(provider, `${env().OPENROUTER_API_URL}/key`, token, signal));
  if (!parsed.success) throw unreadable(provider);
  const { data } = parsed.data;
  // `label` is a fragment of the key itself, so it is never kept or shown.
  return { username: null, balance: null, limit: data.limit ?? null, limitRemaining: data.limit_remaining ?? null };
}

/** True when the account can be seen to have nothing left to spend. */
export function isOutOfCredit(account: AccountInfo): boolean {
  return (account.balance !== null && account.balance <= 0) || (account.limitRemaining !== null && account.limitRemaining <= 0);
}
