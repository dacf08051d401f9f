"use client";

import type { ReactNode } from "react";
import { answerAsMarkdown } from "@/src/client/answer-markdown";
import { CopyButton } from "@/src/client/copy-button";
import type { ChatSource } from "@/src/shared/sources";

/**
 * The model's reasoning (`reasoning` parts, which the chat route forwards), folded away
 * under the answer's start; "Thinking…" while it streams without an answer yet.
 */
export function ReasoningSection({ text, thinking }: { text: string; thinking: boolean }) {
  if (text === "") return null;
  return (
    <details className="reasoning">
      <summary>{thinking ? "Thinking…" : "Reasoning"}</summary>
      <p className="reasoning-text">{text}</p>
    </details>
  );
}

/**
 * Under a finished answer, in one row: Copy (as Markdown with the citations as footnote
 * links) and the turn's own actions (Regenerate on the last answer).
 */
export function AnswerActions({ text, sources, children }: { text: string; sources: readonly ChatSource[]; children?: ReactNode }) {
  const copyable = text.trim() !== "";
  if (!copyable && !children) return null;
  return (
    <div className="answer-actions">
      {copyable && <CopyButton label="Copy answer" text={() => answerAsMarkdown(text, sources, window.location.origin)} />}
      {children}
    </div>
  );
}
