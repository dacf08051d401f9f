"use client";

import { useCallback, useEffect, useState } from "react";
import { fetchAuthStatus } from "@/src/client/api";
import type { AuthStatus } from "@/src/shared/auth";
import type { ErrorPayload } from "@/src/shared/errors";
import { providerIdSchema, type ProviderId } from "@/src/shared/providers";

export type ActiveMethod = "apiKey" | "oauth" | null;

/** The label of the badge the header and Settings show for a provider. */
export function methodLabel(method: ActiveMethod): string {
  return method === "apiKey" ? "API Key" : method === "oauth" ? "Signed In" : "Not connected";
}

export function connectedProviders(status: AuthStatus | null): ProviderId[] {
  if (!status) return [];
  return providerIdSchema.options.filter((provider) => status[provider].active !== null);
}

export function useAuthStatus() {
  const [status, setStatus] = useState<AuthStatus | null>(null);
  const [error, setError] = useState<ErrorPayload | null>(null);
  const refresh = useCallback(async () => {
    const result = await fetchAuthStatus();
    if (result.ok) {
      setStatus(result.data);
      setError(null);
    } else setError(result.error);
  }, []);
  useEffect(() => {
    // Loading the status once on mount is what this hook is for.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void refresh();
  }, [refresh]);
  return { status, error, refresh };
}
