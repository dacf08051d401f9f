"use client";

import { useEffect, useState } from "react";
import { BrandMark } from "@/src/client/branding";
import { ChatView } from "@/src/client/chat-view";
import { emptyConversation, loadConversation, type StoredConversation } from "@/src/client/conversation-store";
import { ProviderCards } from "@/src/client/provider-cards";
import { SettingsSections } from "@/src/client/settings-sections";
import { connectedProviders, useAuthStatus } from "@/src/client/use-auth-status";
import { DEFAULT_APP_CONFIG, type AppConfig } from "@/src/shared/app-config";

/** First run shows the provider setup; once a provider is connected, the chat. */
export function QuireApp({ initialView = "chat", config = DEFAULT_APP_CONFIG }: { initialView?: "chat" | "settings"; config?: AppConfig }) {
  const { status, error, refresh } = useAuthStatus();
  // Until the user picks a view, it follows the first status: chat when connected, setup otherwise.
  // Connecting on the setup screen keeps it open, so the user sees "Connected as …" first.
  const [chosenView, setView] = useState<"chat" | "settings" | null>(initialView === "settings" ? "settings" : null);
  const [firstStatusConnected, setFirstStatusConnected] = useState<boolean | null>(null);
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
  if (firstStatusConnected === null) setFirstStatusConnected(connected);
  const view = chosenView ?? ((firstStatusConnected ?? connected) ? "chat" : "settings");
  if (!connected || view === "settings") {
    return (
      <main className="page setup">
        <header className="setup-header">
          <BrandMark />
          {connected ? (
            <button type="button" onClick={() => setView("chat")}>
              {firstStatusConnected ? "Back to chat" : "Start chatting"}
            </button>
          ) : null}
        </header>
        <h2>{connected ? "Settings" : "Connect a provider"}</h2>
        <p className="muted">
          Quire answers from this site’s documentation using your own inference. Connect Chutes or OpenRouter; your
          key is stored only in an encrypted, httpOnly cookie in this browser.
        </p>
        <ProviderCards status={status} onChange={refresh} />
        <SettingsSections status={status} />
      </main>
    );
  }
  return <ChatView status={status} initial={conversation} onOpenSettings={() => setView("settings")} starterQuestions={config.starterQuestions} />;
}
