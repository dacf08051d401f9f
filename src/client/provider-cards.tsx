"use client";

import { useState } from "react";
import { signOutOfChutes } from "@/src/client/api";
import { KeyForm } from "@/src/client/key-form";
import { methodLabel } from "@/src/client/use-auth-status";
import type { AuthStatus } from "@/src/shared/auth";
import { keyPageUrls } from "@/src/shared/providers";

interface CardsProps {
  status: AuthStatus;
  onChange: () => void | Promise<void>;
}

export function MethodBadge({ method }: { method: "apiKey" | "oauth" | null }) {
  return (
    <span className={`badge badge-${method ?? "none"}`} data-testid="method-badge">
      {methodLabel(method)}
    </span>
  );
}

function ChutesCard({ status, onChange }: CardsProps) {
  const chutes = status.chutes;
  const [signingOut, setSigningOut] = useState(false);
  const returnTo = typeof window === "undefined" ? "/" : window.location.pathname;

  async function signOut() {
    setSigningOut(true);
    await signOutOfChutes();
    setSigningOut(false);
    await onChange();
  }

  return (
    <section className="card" aria-labelledby="chutes-card-title">
      <header className="card-header">
        <h2 id="chutes-card-title">Chutes</h2>
        <MethodBadge method={chutes.active} />
      </header>
      {chutes.sessionExpired && (
        <p className="error" role="alert">
          Your Chutes session expired, sign in again.
        </p>
      )}
      {chutes.apiKey && (
        <p className="success" role="status">
          Connected as {chutes.apiKey.username ?? "your Chutes account"}
          {chutes.apiKey.balance !== null && ` · balance $${chutes.apiKey.balance.toFixed(2)}`}
        </p>
      )}
      {chutes.oauth && (
        <p className="success">
          Signed in as {chutes.oauth.username ?? "your Chutes account"}{" "}
          <button type="button" className="secondary" onClick={signOut} disabled={signingOut}>
            {signingOut ? "Signing out…" : "Sign out"}
          </button>
        </p>
      )}
      {chutes.apiKey && chutes.oauth && (
        <p className="muted">API key in use; remove it to use your Chutes account.</p>
      )}
      {chutes.oauthEnabled && !chutes.oauth && (
        <a className="button" href={`/api/auth/chutes/login?returnTo=${encodeURIComponent(returnTo)}`}>
          Sign in with Chutes
        </a>
      )}
      <details className="advanced" open={!chutes.oauthEnabled || chutes.apiKey !== null}>
        <summary>Advanced options</summary>
        <p className="muted">
          Use an API key when you need specific scopes or permissions, when you can’t use OAuth, or for CI and
          automation. A key takes precedence over a Chutes sign-in.{" "}
          <a href={keyPageUrls.chutes} target="_blank" rel="noreferrer">
            Create a key on chutes.ai
          </a>
        </p>
        <KeyForm
          provider="chutes"
          label="Chutes API key"
          placeholder="cpk_…"
          storedHint={chutes.apiKey?.hint ?? null}
          onChange={onChange}
        />
      </details>
    </section>
  );
}

function OpenRouterCard({ status, onChange }: CardsProps) {
  const key = status.openrouter.apiKey;
  return (
    <section className="card" aria-labelledby="openrouter-card-title">
      <header className="card-header">
        <h2 id="openrouter-card-title">OpenRouter</h2>
        <MethodBadge method={status.openrouter.active} />
      </header>
      {key && (
        <p className="success" role="status">
          {key.limit === null
            ? "Connected · no spending limit on this key"
            : `Connected · $${(key.limitRemaining ?? 0).toFixed(2)} of $${key.limit.toFixed(2)} limit remaining`}
        </p>
      )}
      <p className="muted">
        Use your OpenRouter key to chat with any of its models.{" "}
        <a href={keyPageUrls.openrouter} target="_blank" rel="noreferrer">
          Create a key on openrouter.ai
        </a>
      </p>
      <KeyForm
        provider="openrouter"
        label="OpenRouter API key"
        placeholder="sk-or-…"
        storedHint={key?.hint ?? null}
        onChange={onChange}
      />
    </section>
  );
}

/** One card per provider: the first-run screen and Settings both show these. */
export function ProviderCards(props: CardsProps) {
  return (
    <div className="cards">
      <ChutesCard {...props} />
      <OpenRouterCard {...props} />
    </div>
  );
}
