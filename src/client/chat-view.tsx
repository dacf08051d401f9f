"use client";

import { useChat } from "@ai-sdk/react";
import { DefaultChatTransport } from "ai";
import { useEffect, useMemo, useRef, useState } from "react";
import { ChatHeader } from "@/src/client/chat-header";
import { Composer } from "@/src/client/composer";
import { errorFromChat, type QuireMessage } from "@/src/client/conversation-store";
import { ErrorCard } from "@/src/client/error-card";
import type { Conversation } from "@/src/client/history/conversation-schema";
import { QuestionEditor, TurnActions } from "@/src/client/message-actions";
import { MessageView } from "@/src/client/message-view";
import { NoticeBanner } from "@/src/client/notice-banner";
import { useInterruptedAnswers } from "@/src/client/use-interrupted";
import { useStickToBottom } from "@/src/client/use-stick-to-bottom";
import type { AppConfig } from "@/src/shared/app-config";
import type { AuthStatus } from "@/src/shared/auth";
import { messageText, type Notice } from "@/src/shared/chat";
import type { ErrorPayload } from "@/src/shared/errors";
import type { ProviderId } from "@/src/shared/providers";

/** What the chat changes in its conversation; the title, pin and dates belong to the history. */
export type ChatContent = Pick<Conversation, "messages" | "error" | "interrupted" | "draft">;

interface ChatViewProps {
  config: AppConfig;
  status: AuthStatus;
  /** The conversation as it was when opened; the view is keyed by its id. */
  conversation: Conversation;
  onChange: (content: ChatContent) => void;
  onBusyChange: (busy: boolean) => void;
  provider: ProviderId;
  onProviderChange: (provider: ProviderId) => void;
  model: string | null;
  onModelChange: (model: string | null) => void;
  onOpenSettings: () => void;
  onNewChat: () => void;
}

/** The chat: header with provider, method and model; the conversation; the composer with Send and Stop. */
export function ChatView({ config, status, conversation: initial, onChange, onBusyChange, provider, model, ...props }: ChatViewProps) {
  const [draft, setDraft] = useState(initial.draft);
  const [storedError, setStoredError] = useState<ErrorPayload | null>(initial.error);
  const [editingId, setEditingId] = useState<string | null>(null);
  const modelPicker = useRef<HTMLSelectElement>(null);
  const composerInput = useRef<HTMLTextAreaElement>(null);
  // The chat opens ready to type: after the first key is saved, and on every later visit.
  useEffect(() => composerInput.current?.focus(), []);

  const transport = useMemo(() => new DefaultChatTransport<QuireMessage>({ api: "/api/chat" }), []);
  /** Provider and model travel with each request, so switching takes effect at the next question. */
  const requestOptions = () => ({ body: { provider, ...(model && { model }) } });
  const [notice, setNotice] = useState<Notice | null>(null);
  const chat = useChat<QuireMessage>({
    id: initial.id,
    transport,
    messages: initial.messages as QuireMessage[],
    onData: (part) => {
      if (part.type === "data-notice") setNotice(part.data);
    },
  });
  const busy = chat.status === "submitted" || chat.status === "streaming";
  const liveError = chat.error ? errorFromChat(chat.error) : null;
  const error = liveError ?? (chat.status === "ready" ? storedError : null);
  const { container: scroller, atBottom, onScroll, jumpToLatest } = useStickToBottom<HTMLElement>(chat.messages);

  const lastMessage = chat.messages.at(-1);
  const { interrupted, mark: markInterrupted } = useInterruptedAnswers(initial.interrupted, lastMessage, liveError);

  useEffect(() => onBusyChange(busy), [busy, onBusyChange]);
  useEffect(() => {
    if (chat.status === "streaming") return;
    onChange({ messages: chat.messages as Conversation["messages"], error, interrupted, draft });
  }, [chat.messages, chat.status, error, interrupted, draft, onChange]);

  function clearErrors() {
    setStoredError(null);
    chat.clearError();
  }

  function send() {
    const text = draft.trim();
    if (text === "" || busy) return;
    clearErrors();
    setDraft("");
    jumpToLatest();
    void chat.sendMessage({ text }, requestOptions());
  }

  function regenerate() {
    clearErrors();
    void chat.regenerate(requestOptions());
  }

  function resend(messageId: string, text: string) {
    // The AI SDK replaces the question and drops every message after it.
    setEditingId(null);
    clearErrors();
    void chat.sendMessage({ text, messageId }, requestOptions());
  }

  function stop() {
    if (lastMessage?.role === "assistant") markInterrupted(lastMessage.id);
    void chat.stop();
  }

  const lastAnswerId = lastMessage?.role === "assistant" ? lastMessage.id : null;
  return (
    <div className="chat">
      <ChatHeader status={status} provider={provider} model={model} modelPicker={modelPicker} busy={busy} {...props} />
      {notice && <NoticeBanner notice={notice} onDismiss={() => setNotice(null)} />}
      <main className="conversation" aria-live="polite" aria-busy={busy} ref={scroller} onScroll={onScroll}>
        {chat.messages.length === 0 && (
          <p className="empty muted">Ask anything about the documentation. Answers cite their sources.</p>
        )}
        {chat.messages.map((message) =>
          message.id === editingId ? (
            <QuestionEditor
              key={message.id}
              initial={messageText(message)}
              maxChars={config.maxMessageChars}
              onSend={(text) => resend(message.id, text)}
              onCancel={() => setEditingId(null)}
            />
          ) : (
            <MessageView
              key={message.id}
              message={message}
              interrupted={interrupted.includes(message.id)}
              streaming={busy && message.id === lastMessage?.id && message.role === "assistant"}
              actions={
                busy || message.role === "system" ? null : (
                  <TurnActions
                    role={message.role}
                    onEdit={() => setEditingId(message.id)}
                    onRegenerate={message.id === lastAnswerId ? regenerate : undefined}
                  />
                )
              }
            />
          ),
        )}
        {chat.status === "submitted" && <p className="muted thinking">Searching the docs and asking the model…</p>}
        {error && !busy && (
          <ErrorCard error={error} onRetry={regenerate} onOpenKeyForm={props.onOpenSettings} onSwitchModel={() => modelPicker.current?.focus()} />
        )}
      </main>
      <div className="jump-slot">
        {!atBottom && (
          <button type="button" className="secondary jump-to-latest" onClick={jumpToLatest}>
            Jump to latest
          </button>
        )}
      </div>
      <Composer
        draft={draft}
        onDraftChange={setDraft}
        onSend={send}
        onStop={stop}
        busy={busy}
        maxChars={config.maxMessageChars}
        inputRef={composerInput}
      />
    </div>
  );
}
