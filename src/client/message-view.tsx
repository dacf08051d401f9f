"use client";

import type { ReactNode } from "react";
import { AnswerText, SourceList } from "@/src/client/answer-text";
import type { QuireMessage } from "@/src/client/conversation-store";
import { sourceFromPart, type ChatSource } from "@/src/shared/sources";

interface MessageViewProps {
  message: QuireMessage;
  interrupted: boolean;
  streaming: boolean;
  /** Edit on a question, Regenerate on the last answer (`message-actions.tsx`). */
  actions?: ReactNode;
}

/** One turn: the user's question, or an answer with its citations, sources and state. */
export function MessageView({ message, interrupted, streaming, actions }: MessageViewProps) {
  const text = message.parts.map((part) => (part.type === "text" ? part.text : "")).join("");
  if (message.role === "user") {
    return (
      <article className="message user" aria-label="Your message">
        <p>{text}</p>
        {actions}
      </article>
    );
  }
  const sources = message.parts.map(sourceFromPart).filter((source): source is ChatSource => source !== null);
  const reasoning = message.parts.map((part) => (part.type === "reasoning" ? part.text : "")).join("");
  return (
    <article className="message assistant" aria-label="Answer" data-testid="answer">
      {reasoning && (
        <details className="reasoning">
          <summary>Reasoning</summary>
          <p>{reasoning}</p>
        </details>
      )}
      <AnswerText text={text} sources={sources} />
      {streaming && <span className="cursor" aria-hidden="true" />}
      {interrupted && <p className="interrupted">Interrupted: this answer is incomplete.</p>}
      {!streaming && <SourceList text={text} sources={sources} />}
      {message.metadata?.fallbackFrom && (
        <p className="notice muted">
          {message.metadata.fallbackFrom} was unavailable, so {message.metadata.model} answered instead.
        </p>
      )}
      {message.metadata?.model && (
        <p className="meta muted">
          {message.metadata.model}
          {message.metadata.retrieval === "fulltext" && " · full-text search"}
        </p>
      )}
      {actions}
    </article>
  );
}
