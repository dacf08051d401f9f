"use client";

import { useEffect, useState } from "react";
import "@/src/client/workspace.css";
import { ChatView } from "@/src/client/chat-view";
import { emptyConversation, loadConversation, type StoredConversation } from "@/src/client/conversation-store";
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
  const [conversation, setConversation] = useState<StoredConversation | null>(null);

  useEffect(() => {
    // localStorage exists only in the browser, so the saved conversation is read after mount.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setConversation(typeof window === "undefined" ? emptyConversation : loadConversation());
  }, []);

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
  if (!status || !conversation) return <main className="page muted">Loading…</main>;

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
      </main>
    );
  }
  return <ChatView config={config} status={status} initial={conversation} onOpenSettings={() => setView("settings")} />;
}
