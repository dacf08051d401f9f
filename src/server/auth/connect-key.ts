import "server-only";
import { z } from "zod";
import { maskToken } from "@/src/server/credential";
import { AppError } from "@/src/server/errors";
import { fetchAccount, isOutOfCredit, keyFormatProblem } from "@/src/server/providers/account";
import { providerLabels, topUpUrls } from "@/src/shared/providers";
import type { StoredKey } from "@/src/server/auth/api-key-store";
import type { ProviderId } from "@/src/shared/providers";

export const connectKeyRequestSchema = z.object({ apiKey: z.string().max(500) });

/**
 * Validates a key before it is saved: its format first (no network call), then
 * the provider's account endpoint (Chutes `/users/me`, OpenRouter `/key`), then
 * whether anything is left to spend. `beforeUpstream` runs between the two (the rate
 * limit). Returns what the sealed cookie will hold.
 */
export async function validateKey(
  provider: ProviderId,
  rawKey: string,
  signal?: AbortSignal,
  beforeUpstream?: () => Promise<void>,
): Promise<StoredKey> {
  const key = rawKey.trim();
  const problem = key === "" ? "Paste an API key first." : keyFormatProblem(provider, key);
  if (problem) throw new AppError("invalid_format", problem, { provider });
  await beforeUpstream?.();
  const account = await fetchAccount(provider, key, signal);
  if (isOutOfCredit(account)) {
    const what = provider === "chutes" ? "your Chutes balance is used up" : "this OpenRouter key has no credit left";
    throw new AppError("credits_exhausted", `This key works, but ${what}. Top up at ${providerLabels[provider]}, then try again.`, {
      provider,
      topUpUrl: topUpUrls[provider],
      limitSource: provider === "chutes" ? "balance" : "key_limit",
    });
  }
  return {
    token: key,
    hint: maskToken(key),
    username: account.username,
    balance: account.balance,
    limit: account.limit,
    limitRemaining: account.limitRemaining,
    validatedAt: Date.now(),
  };
}
