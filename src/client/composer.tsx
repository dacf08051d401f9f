"use client";

import { useId, type FormEvent, type KeyboardEvent, type RefObject } from "react";

interface ComposerProps {
  draft: string;
  onDraftChange: (draft: string) => void;
  onSend: () => void;
  onStop: () => void;
  busy: boolean;
  /** The server's QUIRE_MAX_MESSAGE_CHARS, from the page config: the same limit the chat route enforces. */
  maxChars: number;
  inputRef?: RefObject<HTMLTextAreaElement | null>;
}

/** The question box: Enter sends, Shift+Enter adds a line; Stop replaces Send while an answer streams. */
export function Composer({ draft, onDraftChange, onSend, onStop, busy, maxChars, inputRef }: ComposerProps) {
  const counterId = useId();
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

  const nearLimit = draft.length >= maxChars * 0.9;
  return (
    <form className="composer" onSubmit={submit}>
      <label htmlFor="question" className="visually-hidden">
        Your question
      </label>
      <div className="composer-input">
        <textarea
          id="question"
          ref={inputRef}
          value={draft}
          onChange={(event) => onDraftChange(event.target.value)}
          onKeyDown={onKeyDown}
          placeholder="Ask a question about the docs… (Enter sends, Shift+Enter adds a line)"
          rows={2}
          maxLength={maxChars}
          aria-describedby={counterId}
        />
        <span id={counterId} className={nearLimit ? "char-counter near-limit" : "char-counter muted"} data-testid="char-counter">
          {draft.length.toLocaleString("en")} / {maxChars.toLocaleString("en")}
          <span className="visually-hidden"> characters</span>
        </span>
      </div>
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
