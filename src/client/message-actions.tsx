"use client";

import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from "react";

/** An earlier question being edited: resending it drops the turns after it. */
export function QuestionEditor({ initial, maxChars, onSend, onCancel }: { initial: string; maxChars: number; onSend: (text: string) => void; onCancel: () => void }) {
  const [text, setText] = useState(initial);
  const id = useId();
  const input = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, []);
  function submit(event?: FormEvent) {
    event?.preventDefault();
    if (text.trim() !== "") onSend(text.trim());
  }
  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Escape") onCancel();
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  }
  return (
    <form className="message user editing" onSubmit={submit} aria-label="Editing a sent question">
      <label htmlFor={id} className="visually-hidden">
        Edited question
      </label>
      <textarea id={id} ref={input} value={text} maxLength={maxChars} rows={3} onChange={(event) => setText(event.target.value)} onKeyDown={onKeyDown} />
      <p className="muted edit-hint">Sending replaces this question and the answers after it.</p>
      <div className="message-actions">
        <button type="submit" disabled={text.trim() === ""}>
          Send edited question
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The small button under a turn: Edit on a question, Regenerate on the last answer. */
export function TurnActions({ role, onEdit, onRegenerate }: { role: "user" | "assistant"; onEdit?: () => void; onRegenerate?: () => void }) {
  const action = role === "user" ? onEdit : onRegenerate;
  if (!action) return null;
  return (
    <div className="message-actions">
      <button type="button" className="secondary small" onClick={action} aria-label={role === "user" ? "Edit question" : "Regenerate answer"}>
        {role === "user" ? "Edit" : "Regenerate"}
      </button>
    </div>
  );
}
