import "server-only";
import { createHash } from "node:crypto";
import type { Credential } from "@/src/server/credential";
import { env } from "@/src/server/env";
import { fetchAccount } from "@/src/server/providers/account";
import { providerLabels, topUpUrls } from "@/src/shared/providers";
import type { Notice } from "@/src/shared/chat";

type BalanceNotice = Notice;

const CACHE_MS = 60_000;
const cache = new Map<string, { at: number; notice: BalanceNotice | null }>();

/** Cache key: a hash, so the map never holds a credential. */
function cacheKey(credential: Credential): string {
  return createHash("sha256").update(`${credential.provider}:${credential.token}`).digest("base64url");
}

async function checkBalance(credential: Credential, signal: AbortSignal): Promise<BalanceNotice | null> {
  const account = await fetchAccount(credential.provider, credential.token, signal);
  const threshold = env().QUIRE_LOW_BALANCE_USD;
  const remaining = credential.provider === "chutes" ? account.balance : account.limitRemaining;
  if (remaining === null || remaining >= threshold) return null;
  const label = providerLabels[credential.provider];
  const what = credential.provider === "chutes" ? `Your ${label} balance` : "What is left of this OpenRouter key's limit";
  return {
    kind: "low-balance",
    message: `${what} is low ($${Math.max(0, remaining).toFixed(2)}). Top up soon to keep chatting.`,
    topUpUrl: topUpUrls[credential.provider],
  };
}

/**
 * The pre-flight balance check (Chutes `/users/me` balance, OpenRouter `/key`
 * `limit_remaining`): it starts once the answer's first token has arrived
 * (chat-service), only ever warns, and never fails the chat — the 402 at send time is the authoritative
 * signal. Cached per credential for about a minute.
 */
export function preflightBalance(credential: Credential, signal: AbortSignal): Promise<BalanceNotice | null> {
  const key = cacheKey(credential);
  const cached = cache.get(key);
  if (cached && Date.now() - cached.at < CACHE_MS) return Promise.resolve(cached.notice);
  return checkBalance(credential, signal).then(
    (notice) => {
      cache.set(key, { at: Date.now(), notice });
      if (cache.size > 10_000) cache.delete(cache.keys().next().value ?? "");
      return notice;
    },
    () => null,
  );
}
