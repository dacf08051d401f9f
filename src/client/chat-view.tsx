"use client";

import { useChat } from "@ai-sdk/react";
import { DefaultChatTransport } from "ai";
import { useEffect, useMemo, useRef, useState } from "react";
import { ChatHeader } from "@/src/client/chat-header";
import { Composer } from "@/src/client/composer";
import { errorFromChat, saveConversation, type QuireMessage, type StoredConversation } from "@/src/client/conversation-store";
import { ErrorCard } from "@/src/client/error-card";
import { MessageView } from "@/src/client/message-view";
import { NoticeBanner } from "@/src/client/notice-banner";
import { StarterQuestions } from "@/src/client/starter-questions";
import { useInterruptedAnswers } from "@/src/client/use-interrupted";
import type { AuthStatus } from "@/src/shared/auth";
import type { Notice } from "@/src/shared/chat";
import type { ErrorPayload } from "@/src/shared/errors";
import { DEFAULT_PROVIDER, type ProviderId } from "@/src/shared/providers";

interface ChatViewProps {
  status: AuthStatus;
  initial: StoredConversation;
  onOpenSettings: () => void;
  starterQuestions?: readonly string[];
}

/** The chat: header with provider, method and model; the conversation; the composer with Send and Stop. */
export function ChatView({ status, initial, onOpenSettings, starterQuestions = [] }: ChatViewProps) {
  const [provider, setProvider] = useState<ProviderId>(() => status.activeProvider ?? DEFAULT_PROVIDER);
  const [model, setModel] = useState<string | null>(null);
  const [draft, setDraft] = useState(initial.draft);
  const [storedError, setStoredError] = useState<ErrorPayload | null>(initial.error);
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

  const lastMessage = chat.messages.at(-1);
  const { interrupted, mark: markInterrupted, reset: resetInterrupted } = useInterruptedAnswers(initial.interrupted, lastMessage, liveError);

  useEffect(() => {
    if (chat.status === "streaming") return;
    saveConversation({ messages: chat.messages as StoredConversation["messages"], error, interrupted, draft });
  }, [chat.messages, chat.status, error, interrupted, draft]);

  function send(question: string = draft) {
    const text = question.trim();
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
    if (lastMessage?.role === "assistant") markInterrupted(lastMessage.id);
    void chat.stop();
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
          resetInterrupted();
        }}
        busy={busy}
      />
      {notice && <NoticeBanner notice={notice} onDismiss={() => setNotice(null)} />}
      <main className="conversation" aria-live="polite" aria-busy={busy}>
        {chat.messages.length === 0 && (
          <p className="empty muted">Ask anything about the documentation. Answers cite their sources.</p>
        )}
        {chat.messages.length === 0 && <StarterQuestions questions={starterQuestions} onAsk={send} disabled={busy} />}
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
      <Composer draft={draft} onDraftChange={setDraft} onSend={send} onStop={stop} busy={busy} />
    </div>
  );
}
