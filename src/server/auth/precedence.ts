import "server-only";
import type { CredentialKind } from "@/src/shared/credentials";
import type { ProviderId } from "@/src/shared/providers";

/** A place a browser's credential can come from. */
export interface CredentialSlot {
  provider: ProviderId;
  source: Extract<CredentialKind, "apiKey" | "oauth">;
}

/**
 * The precedence rule, written once. An `Authorization: Bearer` header beats every slot;
 * after it, the slots win in this order: the Chutes API key beats the Chutes sign-in,
 * and Chutes beats OpenRouter. The resolver, the status answer and the operator's own
 * credential all read this list.
 */
const SLOTS: readonly CredentialSlot[] = [
  { provider: "chutes", source: "apiKey" },
  { provider: "chutes", source: "oauth" },
  { provider: "openrouter", source: "apiKey" },
];

/** The slots in the order they win, narrowed to one provider when the request named one. */
export function slotsInOrder(provider?: ProviderId): readonly CredentialSlot[] {
  return provider ? SLOTS.filter((slot) => slot.provider === provider) : SLOTS;
}

/** The providers in the order they win (for keys that have no slot, like the operator's). */
export function providersInOrder(): ProviderId[] {
  return [...new Set(SLOTS.map((slot) => slot.provider))];
}

/** The first slot, in precedence order, that `isPresent` accepts. */
export function winningSlot(isPresent: (slot: CredentialSlot) => boolean, provider?: ProviderId): CredentialSlot | null {
  return slotsInOrder(provider).find(isPresent) ?? null;
}
