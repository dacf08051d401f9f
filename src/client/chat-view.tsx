"use client";

import { useChat } from "@ai-sdk/react";
import { DefaultChatTransport } from "ai";
import { useEffect, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { ChatHeader } from "@/src/client/chat-header";
import { errorFromChat, saveConversation, type QuireMessage, type StoredConversation } from "@/src/client/conversation-store";
import { ErrorCard } from "@/src/client/error-card";
import { MessageView } from "@/src/client/message-view";
import type { AuthStatus } from "@/src/shared/auth";
import type { Notice } from "@/src/shared/chat";
import type { ErrorPayload, ProviderId } from "@/src/shared/errors";

interface ChatViewProps {
  status: AuthStatus;
  initial: StoredConversation;
  onOpenSettings: () => void;
}

/** The chat: header with provider, method and model; the conversation; the composer with Send and Stop. */
export function ChatView({ status, initial, onOpenSettings }: ChatViewProps) {
  const [provider, setProvider] = useState<ProviderId>(() => (status.chutes.active ? "chutes" : "openrouter"));
  const [model, setModel] = useState<string | null>(null);
  const [draft, setDraft] = useState(initial.draft);
  const [storedError, setStoredError] = useState<ErrorPayload | null>(initial.error);
  const [interrupted, setInterrupted] = useState<string[]>(initial.interrupted);
  const modelPicker = useRef<HTMLSelectElement>(null);

  const transport = useMemo(() => new DefaultChatTransport<QuireMessage>({ api: "/api/chat" }), []);
  /** Provider and model travel with each request, so switching takes effect at the next question. */
  const requestOptions = () => ({ body: { provider, ...(model && { model }) } });
  const [notice, setNotice] = useState<Notice | null>(null);
  const chat = useChat<QuireMessage>({
    transport,
    messages: initial.messages as QuireMessage[],
    onData: (part) => {
      if (part.type === "data-notice") setNotice(part.data);
    },
  });
  const busy = chat.status === "submitted" || chat.status === "streaming";
  const liveError = chat.error ? errorFromChat(chat.error) : null;
  const error = liveError ?? (chat.status === "ready" ? storedError : null);

  // A partial answer that ended in an error or a Stop is marked as interrupted.
  const lastMessage = chat.messages.at(-1);
  useEffect(() => {
    if (liveError && lastMessage?.role === "assistant" && !interrupted.includes(lastMessage.id)) {
      // Derived from the stream's outcome, which only exists after it settles.
      // eslint-disable-next-line react-hooks/set-state-in-effect
      setInterrupted((ids) => [...ids, lastMessage.id]);
    }
  }, [liveError, lastMessage, interrupted]);

  useEffect(() => {
    if (chat.status === "streaming") return;
    saveConversation({ messages: chat.messages as StoredConversation["messages"], error, interrupted, draft });
  }, [chat.messages, chat.status, error, interrupted, draft]);

  function send(event?: FormEvent) {
    event?.preventDefault();
    const text = draft.trim();
    if (text === "" || busy) return;
    setStoredError(null);
    chat.clearError();
    setDraft("");
    void chat.sendMessage({ text }, requestOptions());
  }

  function retry() {
    setStoredError(null);
    chat.clearError();
    void chat.regenerate(requestOptions());
  }

  function stop() {
    if (lastMessage?.role === "assistant") setInterrupted((ids) => [...ids, lastMessage.id]);
    void chat.stop();
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) send();
  }

  return (
    <div className="chat">
      <ChatHeader
        status={status}
        provider={provider}
        onProviderChange={setProvider}
        model={model}
        onModelChange={setModel}
        modelPicker={modelPicker}
        onOpenSettings={onOpenSettings}
        onNewChat={() => {
          chat.setMessages([]);
          chat.clearError();
          setStoredError(null);
          setInterrupted([]);
        }}
        busy={busy}
      />
      {notice && (
        <p className="banner" role="status">
          {notice.message}{" "}
          <a href={notice.topUpUrl} target="_blank" rel="noreferrer">
            Top up
          </a>{" "}
          <button type="button" className="secondary" onClick={() => setNotice(null)} aria-label="Dismiss">
            ×
          </button>
        </p>
      )}
      <main className="conversation" aria-live="polite" aria-busy={busy}>
        {chat.messages.length === 0 && (
          <p className="empty muted">Ask anything about the documentation. Answers cite their sources.</p>
        )}
        {chat.messages.map((message) => (
          <MessageView
            key={message.id}
            message={message}
            interrupted={interrupted.includes(message.id)}
            streaming={busy && message.id === lastMessage?.id && message.role === "assistant"}
          />
        ))}
        {chat.status === "submitted" && <p className="muted thinking">Searching the docs and asking the model…</p>}
        {error && !busy && (
          <ErrorCard
            error={error}
            onRetry={retry}
            onOpenKeyForm={onOpenSettings}
            onSwitchModel={() => modelPicker.current?.focus()}
          />
        )}
      </main>
      <form className="composer" onSubmit={send}>
        <label htmlFor="question" className="visually-hidden">
          Your question
        </label>
        <textarea
          id="question"
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={onKeyDown}
          placeholder="Ask a question about the docs…"
          rows={2}
          maxLength={32_000}
        />
        {busy ? (
          <button type="button" className="danger" onClick={stop}>
            Stop
          </button>
        ) : (
          <button type="submit" disabled={draft.trim() === ""}>
            Send
          </button>
        )}
      </form>
    </div>
  );
}
