"use client";

import { AnswerActions, ReasoningSection } from "@/src/client/answer-extras";
import { AnswerText, SourceList } from "@/src/client/answer-text";
import type { QuireMessage } from "@/src/client/conversation-store";
import { sourceFromPart, type ChatSource } from "@/src/shared/sources";

interface MessageViewProps {
  message: QuireMessage;
  interrupted: boolean;
  streaming: boolean;
}

/** One turn: the user's question, or an answer with its citations, sources and state. */
export function MessageView({ message, interrupted, streaming }: MessageViewProps) {
  const text = message.parts.map((part) => (part.type === "text" ? part.text : "")).join("");
  if (message.role === "user") {
    return (
      <article className="message user" aria-label="Your message">
        <p>{text}</p>
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
      {!streaming && <AnswerActions text={text} sources={sources} />}
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
    </article>
  );
}
