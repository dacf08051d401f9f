"use client";

import { useEffect, useId, useRef, useState, type ChangeEvent } from "react";
import { hasContent, type Conversation } from "@/src/client/history/conversation-schema";
import { ConversationItem, type ConversationActions } from "@/src/client/history/conversation-item";
import { groupConversations, searchConversations } from "@/src/client/history/history-search";

interface HistorySidebarProps extends ConversationActions {
  conversations: Conversation[];
  currentId: string;
  busy: boolean;
  /** On small screens the sidebar is a drawer: open or closed. */
  open: boolean;
  onClose: () => void;
  onNewChat: () => void;
  onImport: (file: File) => Promise<string>;
}

/** The time, refreshed each minute, so "Today" moves on past midnight. */
function useMinuteClock(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** The history: new chat, search, conversations grouped by day (pinned first), export and import. */
export function HistorySidebar({ conversations, currentId, busy, open, onClose, onNewChat, onImport, ...actions }: HistorySidebarProps) {
  const [query, setQuery] = useState("");
  const [importStatus, setImportStatus] = useState<string | null>(null);
  const searchId = useId();
  const panel = useRef<HTMLElement>(null);
  const saved = conversations.filter((conversation) => conversation.messages.length > 0 || (conversation.id === currentId && hasContent(conversation)));
  const hits = searchConversations(saved, query);
  const excerpts = new Map(hits.map((hit) => [hit.conversation.id, hit.excerpt]));
  const now = useMinuteClock();
  const groups = groupConversations(
    hits.map((hit) => hit.conversation),
    now,
  );
  const fileInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!open) return;
    // The drawer takes focus once it is shown, and Escape anywhere closes it.
    const frame = requestAnimationFrame(() => panel.current?.querySelector<HTMLElement>("button:not(:disabled), input")?.focus());
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === "Escape") onClose();
    };
    window.addEventListener("keydown", onKeyDown);
    return () => {
      cancelAnimationFrame(frame);
      window.removeEventListener("keydown", onKeyDown);
    };
  }, [open, onClose]);

  async function importFile(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    event.target.value = "";
    if (file) setImportStatus(await onImport(file));
  }

  return (
    <nav
      ref={panel}
      id="history-sidebar"
      className={open ? "sidebar open" : "sidebar"}
      aria-label="Conversations"
    >
      <div className="sidebar-top">
        <button type="button" onClick={onNewChat} disabled={busy}>
          New chat
        </button>
        <button type="button" className="secondary small drawer-close" onClick={onClose} aria-label="Close conversations">
          ×
        </button>
      </div>
      <label htmlFor={searchId} className="visually-hidden">
        Search conversations
      </label>
      <input id={searchId} type="search" className="history-search" placeholder="Search conversations" value={query} onChange={(event) => setQuery(event.target.value)} />
      <div className="history-groups">
        {saved.length === 0 && <p className="muted history-empty">Your conversations appear here.</p>}
        {saved.length > 0 && hits.length === 0 && <p className="muted history-empty">No conversation matches “{query}”.</p>}
        {groups.map((group) => (
          <section key={group.label} aria-label={group.label}>
            <h2 className="history-group">{group.label}</h2>
            <ul>
              {group.conversations.map((conversation) => (
                <ConversationItem
                  key={conversation.id}
                  conversation={conversation}
                  excerpt={excerpts.get(conversation.id) ?? null}
                  current={conversation.id === currentId}
                  busy={busy}
                  {...actions}
                />
              ))}
            </ul>
          </section>
        ))}
      </div>
      <div className="sidebar-footer">
        <span className="muted">Export all:</span>
        <button type="button" className="secondary small" disabled={saved.length === 0} onClick={() => actions.onExport(saved, "md")}>
          Markdown
        </button>
        <button type="button" className="secondary small" disabled={saved.length === 0} onClick={() => actions.onExport(saved, "json")}>
          JSON
        </button>
        <button type="button" className="secondary small" onClick={() => fileInput.current?.click()}>
          Import JSON…
        </button>
        <input ref={fileInput} type="file" accept="application/json,.json" hidden aria-label="Conversations file to import" onChange={(event) => void importFile(event)} />
        {importStatus && (
          <p role="status" className="muted import-status">
            {importStatus}
          </p>
        )}
      </div>
    </nav>
  );
}
