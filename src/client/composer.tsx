"use client";

import type { FormEvent, KeyboardEvent } from "react";
import { CHAT_LIMITS } from "@/src/shared/chat";

interface ComposerProps {
  draft: string;
  onDraftChange: (draft: string) => void;
  onSend: () => void;
  onStop: () => void;
  busy: boolean;
}

/** The question box: Enter sends, Shift+Enter adds a line; Stop replaces Send while an answer streams. */
export function Composer({ draft, onDraftChange, onSend, onStop, busy }: ComposerProps) {
  function submit(event: FormEvent) {
    event.preventDefault();
    onSend();
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      onSend();
    }
  }

  return (
    <form className="composer" onSubmit={submit}>
      <label htmlFor="question" className="visually-hidden">
        Your question
      </label>
      <textarea
        id="question"
        value={draft}
        onChange={(event) => onDraftChange(event.target.value)}
        onKeyDown={onKeyDown}
        placeholder="Ask a question about the docs…"
        rows={2}
        maxLength={CHAT_LIMITS.maxMessageChars}
      />
      {busy ? (
        <button type="button" className="danger" onClick={onStop}>
          Stop
        </button>
      ) : (
        <button type="submit" disabled={draft.trim() === ""}>
          Send
        </button>
      )}
    </form>
  );
}
