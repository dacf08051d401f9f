"use client";

import { useEffect, useState } from "react";
import type { ErrorPayload } from "@/src/shared/errors";

interface ErrorCardProps {
  error: ErrorPayload;
  onRetry: () => void;
  onOpenKeyForm: () => void;
  onSwitchModel: () => void;
}

const titles: Partial<Record<ErrorPayload["code"], string>> = {
  credits_exhausted: "Out of credits",
  invalid_credential: "Key rejected",
  forbidden: "Request refused",
  rate_limited: "Slow down",
  provider_unavailable: "Provider unavailable",
  model_not_found: "Model not available",
  timeout: "No answer in time",
  upstream_error: "Answer interrupted",
  bad_request: "Request not accepted",
};

const limitSourceText = {
  account_credits: "Limit reached: your account's credits.",
  key_limit: "Limit reached: this key's spending limit.",
  in_flight_budget: "Limit reached: credit held by requests still running.",
  balance: "Limit reached: your account balance.",
} as const;

function useCountdown(seconds: number | undefined): number {
  const [remaining, setRemaining] = useState(Math.ceil(seconds ?? 0));
  useEffect(() => {
    if (!seconds) return;
    const started = Date.now();
    const timer = setInterval(() => {
      const left = Math.max(0, Math.ceil(seconds - (Date.now() - started) / 1000));
      setRemaining(left);
      if (left === 0) clearInterval(timer);
    }, 250);
    return () => clearInterval(timer);
  }, [seconds]);
  return remaining;
}

/** An inline card under the user's message: what happened, in words, and the next step. */
export function ErrorCard({ error, onRetry, onOpenKeyForm, onSwitchModel }: ErrorCardProps) {
  const remaining = useCountdown(error.code === "rate_limited" ? error.retryAfter : undefined);
  const oauth = error.code === "invalid_credential" && error.credential === "oauth";
  return (
    <div className={`error-card error-${error.code}`} role="alert" data-testid="error-card" data-code={error.code}>
      <strong>{titles[error.code] ?? "Something went wrong"}</strong>
      <p>{error.message}</p>
      {error.limitSource && <p className="muted">{limitSourceText[error.limitSource]}</p>}
      <div className="actions">
        {error.code === "credits_exhausted" && error.topUpUrl && (
          <a className="button" href={error.topUpUrl} target="_blank" rel="noreferrer">
            Top up
          </a>
        )}
        {error.code === "invalid_credential" &&
          (oauth ? (
            <a className="button" href="/api/auth/chutes/login?returnTo=/">
              Sign in again
            </a>
          ) : (
            <button type="button" onClick={onOpenKeyForm}>
              Re-enter key
            </button>
          ))}
        {error.code === "rate_limited" && (
          <button type="button" onClick={onRetry} disabled={remaining > 0}>
            {remaining > 0 ? `Retry in ${remaining} s` : "Retry"}
          </button>
        )}
        {["provider_unavailable", "model_not_found", "timeout", "upstream_error", "internal_error"].includes(error.code) && (
          <>
            {error.code !== "model_not_found" && (
              <button type="button" onClick={onRetry}>
                Retry
              </button>
            )}
            <button type="button" className="secondary" onClick={onSwitchModel}>
              Switch model
            </button>
          </>
        )}
        {["credits_exhausted", "forbidden", "bad_request"].includes(error.code) && (
          <button type="button" className="secondary" onClick={onRetry}>
            Resend
          </button>
        )}
      </div>
    </div>
  );
}
