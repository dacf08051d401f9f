"use client";

import type { ReactNode } from "react";
import { AnswerActions, ReasoningSection } from "@/src/client/answer-extras";
import { AnswerText, SourceList } from "@/src/client/answer-text";
import type { QuireMessage } from "@/src/client/conversation-store";
import { sourceFromPart, type ChatSource } from "@/src/shared/sources";

interface MessageViewProps {
  message: QuireMessage;
  interrupted: boolean;
  streaming: boolean;
  /** Edit on a question, Regenerate on the last answer (`message-actions.tsx`). */
  actions?: ReactNode;
  /** Suggested follow-ups, below the actions of the last answer. */
  followUps?: ReactNode;
}

/** One turn: the user's question, or an answer with its citations, sources and state. */
export function MessageView({ message, interrupted, streaming, actions, followUps }: MessageViewProps) {
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
      <ReasoningSection text={reasoning} thinking={streaming && text === ""} />
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
      {!streaming && (
        <AnswerActions text={text} sources={sources}>
          {actions}
        </AnswerActions>
      )}
      {!streaming && followUps}
    </article>
  );
}
