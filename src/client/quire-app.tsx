"use client";

import { useState } from "react";
import "@/src/client/workspace.css";
import { ChatWorkspace } from "@/src/client/chat-workspace";
import { DeleteLocalData } from "@/src/client/delete-local-data";
import { useHistory } from "@/src/client/history/use-history";
import { ProviderCards } from "@/src/client/provider-cards";
import { connectedProviders, useAuthStatus } from "@/src/client/use-auth-status";
import type { AppConfig } from "@/src/shared/app-config";

interface QuireAppProps {
  /** From the page (a server component): the configured limits and branding. */
  config: AppConfig;
  initialView?: "chat" | "settings";
}

/** First run shows the provider setup; the first working credential leads straight into the chat. */
export function QuireApp({ config, initialView = "chat" }: QuireAppProps) {
  const { status, error, refresh } = useAuthStatus();
  // Until the user picks a view, it follows the status: chat when connected, setup otherwise.
  // So saving the first working key on the setup screen opens the chat; Settings stays in the header.
  const [chosenView, setView] = useState<"chat" | "settings" | null>(initialView === "settings" ? "settings" : null);
  const history = useHistory();
  const { conversations } = history;

  if (error) {
    return (
      <main className="page">
        <p className="error" role="alert">
          {error.message}
        </p>
        <button type="button" onClick={() => void refresh()}>
          Try again
        </button>
      </main>
    );
  }
  if (!status || !conversations) return <main className="page muted">Loading…</main>;

  const connected = connectedProviders(status).length > 0;
  const view = chosenView ?? (connected ? "chat" : "settings");
  if (!connected || view === "settings") {
    return (
      <main className="page setup">
        <header className="setup-header">
          <h1 className="logo">Quire</h1>
          {connected ? (
            <button type="button" onClick={() => setView("chat")}>
              Back to chat
            </button>
          ) : null}
        </header>
        <h2>{connected ? "Settings" : "Connect a provider"}</h2>
        <p className="muted">
          Quire answers from this site’s documentation using your own inference. Connect Chutes or OpenRouter; your
          key is stored only in an encrypted, httpOnly cookie in this browser.
        </p>
        <ProviderCards status={status} onChange={refresh} />
        <DeleteLocalData beforeDelete={history.close} />
      </main>
    );
  }
  return <ChatWorkspace config={config} status={status} history={{ ...history, conversations }} onOpenSettings={() => setView("settings")} />;
}
