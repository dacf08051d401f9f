"use client";

import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { displayTitle, type Conversation } from "@/src/client/history/conversation-schema";

export interface ConversationActions {
  onSelect: (id: string) => void;
  onRename: (id: string, title: string) => void;
  onTogglePin: (id: string) => void;
  onDelete: (id: string) => void;
  onExport: (conversations: Conversation[], format: "md" | "json") => void;
}

interface ConversationItemProps extends ConversationActions {
  conversation: Conversation;
  excerpt: string | null;
  current: boolean;
  busy: boolean;
}

/** One row of the history: open it, or its actions (rename, pin, export, delete). */
export function ConversationItem({ conversation, excerpt, current, busy, ...actions }: ConversationItemProps) {
  const title = displayTitle(conversation);
  const [menuOpen, setMenuOpen] = useState(false);
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(title);
  const menuId = useId();
  const menu = useRef<HTMLDivElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  const renameInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (menuOpen) menu.current?.querySelector("button")?.focus();
  }, [menuOpen]);
  useEffect(() => {
    if (renaming) renameInput.current?.select();
  }, [renaming]);

  function closeMenu() {
    setMenuOpen(false);
    toggle.current?.focus();
  }
  function act(action: () => void) {
    setMenuOpen(false);
    action();
  }
  function rename(event: FormEvent) {
    event.preventDefault();
    if (name.trim() !== "") actions.onRename(conversation.id, name.trim().slice(0, 200));
    setRenaming(false);
    toggle.current?.focus();
  }

  if (renaming) {
    return (
      <li className="history-item renaming">
        <form onSubmit={rename} onKeyDown={(event) => event.key === "Escape" && setRenaming(false)}>
          <label className="visually-hidden" htmlFor={`${menuId}-name`}>
            Rename conversation
          </label>
          <input id={`${menuId}-name`} ref={renameInput} value={name} maxLength={200} onChange={(event) => setName(event.target.value)} />
          <button type="submit" className="small">Save</button>
          <button type="button" className="secondary small" onClick={() => setRenaming(false)}>
            Cancel
          </button>
        </form>
      </li>
    );
  }
  return (
    <li className={current ? "history-item current" : "history-item"}>
      <button
        type="button"
        className="history-open"
        aria-current={current ? "page" : undefined}
        disabled={busy && !current}
        onClick={() => actions.onSelect(conversation.id)}
      >
        <span className="history-title">{title}</span>
        {conversation.pinned && <span className="visually-hidden"> (pinned)</span>}
        {excerpt && <span className="history-excerpt muted">{excerpt}</span>}
      </button>
      <button
        type="button"
        ref={toggle}
        className="secondary small history-more"
        aria-label={`Actions for ${title}`}
        aria-expanded={menuOpen}
        aria-controls={menuId}
        onClick={() => setMenuOpen((open) => !open)}
      >
        {conversation.pinned ? "📌" : "⋯"}
      </button>
      {menuOpen && (
        <div id={menuId} ref={menu} className="history-menu" role="group" aria-label={`Actions for ${title}`} onKeyDown={(event) => event.key === "Escape" && closeMenu()}>
          <button type="button" className="secondary small" onClick={() => act(() => { setName(title); setRenaming(true); })}>
            Rename
          </button>
          <button type="button" className="secondary small" onClick={() => act(() => actions.onTogglePin(conversation.id))}>
            {conversation.pinned ? "Unpin" : "Pin"}
          </button>
          <button type="button" className="secondary small" onClick={() => act(() => actions.onExport([conversation], "md"))}>
            Export Markdown
          </button>
          <button type="button" className="secondary small" onClick={() => act(() => actions.onExport([conversation], "json"))}>
            Export JSON
          </button>
          <button type="button" className="danger small" disabled={busy && current} onClick={() => act(() => actions.onDelete(conversation.id))}>
            Delete
          </button>
        </div>
      )}
    </li>
  );
}
