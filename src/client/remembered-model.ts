"use client";

import { useEffect } from "react";
import type { ProviderId } from "@/src/shared/providers";

const key = (provider: ProviderId) => `quire-model:${provider}`;

/** The model last picked for a provider in this browser, or null. */
export function rememberedModel(provider: ProviderId): string | null {
  try {
    return window.localStorage.getItem(key(provider));
  } catch {
    return null;
  }
}

/** Saves the model the user picked for a provider (this browser only). */
export function rememberModel(provider: ProviderId, model: string): void {
  try {
    window.localStorage.setItem(key(provider), model);
  } catch {
    // Storage may be full or off (private mode): the choice just isn't remembered.
  }
}

/**
 * Once the provider's models are known and none is chosen yet, picks the one last
 * used with that provider, if the provider still offers it.
 */
export function useRememberedModel(provider: ProviderId, model: string | null, available: readonly string[], onModelChange: (model: string) => void): void {
  useEffect(() => {
    if (model !== null || available.length === 0) return;
    const saved = rememberedModel(provider);
    if (saved !== null && available.includes(saved)) onModelChange(saved);
  }, [provider, model, available, onModelChange]);
}
