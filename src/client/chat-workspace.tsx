"use client";

import { useCallback, useRef, useState } from "react";
import { ChatView, type ChatContent } from "@/src/client/chat-view";
import { displayTitle, hasContent, newConversation, titleFromMessages, type Conversation } from "@/src/client/history/conversation-schema";
import { parseImport } from "@/src/client/history/conversation-transfer";
import { downloadConversations } from "@/src/client/history/download";
import { HistorySidebar } from "@/src/client/history/history-sidebar";
import { UndoToast } from "@/src/client/history/undo-toast";
import type { History } from "@/src/client/history/use-history";
import type { AppConfig } from "@/src/shared/app-config";
import type { AuthStatus } from "@/src/shared/auth";
import { DEFAULT_PROVIDER, type ProviderId } from "@/src/shared/providers";

interface ChatWorkspaceProps {
  config: AppConfig;
  status: AuthStatus;
  history: History & { conversations: Conversation[] };
  onOpenSettings: () => void;
}

function sameContent(a: ChatContent, b: ChatContent): boolean {
  return a.draft === b.draft && JSON.stringify([a.messages, a.error, a.interrupted]) === JSON.stringify([b.messages, b.error, b.interrupted]);
}

/** The history sidebar (a drawer on small screens) beside the chat of the open conversation. */
export function ChatWorkspace({ config, status, history, onOpenSettings }: ChatWorkspaceProps) {
  const [provider, setProvider] = useState<ProviderId>(() => status.activeProvider ?? DEFAULT_PROVIDER);
  const [model, setModel] = useState<string | null>(null);
  const [fresh, setFresh] = useState<Conversation>(() => newConversation(Date.now()));
  // A reload opens the conversation used last.
  const [currentId, setCurrentId] = useState<string>(() => history.conversations[0]?.id ?? fresh.id);
  const [busy, setBusy] = useState(false);
  const [drawerOpen, setDrawerOpen] = useState(false);
  const [deleted, setDeleted] = useState<Conversation | null>(null);
  const current = history.conversations.find((conversation) => conversation.id === currentId) ?? fresh;
  const { save, get } = history;

  const onChange = useCallback(
    (live: ChatContent) => {
      // The AI SDK updates the streaming message in place: keep a copy, or the stored
      // conversation would share it, look unchanged when the answer ends and never be saved.
      const content = structuredClone(live);
      const before = get(currentId) ?? fresh;
      if (sameContent(before, content)) return;
      if (!hasContent(content) && !get(currentId)) return;
      const messagesChanged = JSON.stringify(before.messages) !== JSON.stringify(content.messages);
      save({
        ...before,
        ...content,
        title: before.title === "" ? titleFromMessages(content.messages) : before.title,
        updatedAt: messagesChanged ? Date.now() : before.updatedAt,
      });
    },
    [currentId, fresh, get, save],
  );

  function open(id: string) {
    setCurrentId(id);
    setDrawerOpen(false);
  }
  function startNewChat() {
    const next = newConversation(Date.now());
    setFresh(next);
    open(next.id);
  }
  function update(id: string, change: Partial<Conversation>) {
    const conversation = get(id);
    if (conversation) save({ ...conversation, ...change });
  }
  function remove(id: string) {
    const conversation = get(id);
    if (!conversation) return;
    history.remove(id);
    setDeleted(conversation);
    if (id === currentId) startNewChat();
  }
  async function importFile(file: File): Promise<string> {
    const result = parseImport(await file.text(), history.conversations);
    if (!result.ok) return result.message;
    if (result.added > 0) history.saveMany(result.conversations);
    const already = result.skipped > 0 ? ` (${result.skipped} already here)` : "";
    return `Imported ${result.added} conversation${result.added === 1 ? "" : "s"}${already}.`;
  }
  const closeToast = useCallback(() => setDeleted(null), []);
  const drawerToggle = useRef<HTMLButtonElement>(null);
  const closeDrawer = useCallback(() => {
    setDrawerOpen(false);
    drawerToggle.current?.focus();
  }, []);

  return (
    <div className={drawerOpen ? "workspace drawer-open" : "workspace"}>
      <div className="workspace-bar">
        <button type="button" ref={drawerToggle} className="secondary small" aria-expanded={drawerOpen} aria-controls="history-sidebar" onClick={() => setDrawerOpen(true)}>
          Conversations
        </button>
      </div>
      <HistorySidebar
        conversations={history.conversations}
        currentId={current.id}
        busy={busy}
        open={drawerOpen}
        onClose={closeDrawer}
        onNewChat={startNewChat}
        onSelect={open}
        onRename={(id, title) => update(id, { title })}
        onTogglePin={(id) => update(id, { pinned: !get(id)?.pinned })}
        onDelete={remove}
        onExport={downloadConversations}
        onImport={importFile}
      />
      {drawerOpen && <div className="drawer-backdrop" onClick={() => setDrawerOpen(false)} aria-hidden="true" />}
      <div className="workspace-main">
        {history.storageProblem && (
          <p className="storage-alert" role="alert">
            {history.storageProblem}{" "}
            <button type="button" className="secondary small" onClick={history.dismissStorageProblem}>
              Dismiss
            </button>
          </p>
        )}
        <ChatView
          key={current.id}
          config={config}
          status={status}
          conversation={current}
          onChange={onChange}
          onBusyChange={setBusy}
          provider={provider}
          onProviderChange={setProvider}
          model={model}
          onModelChange={setModel}
          onOpenSettings={onOpenSettings}
          onNewChat={startNewChat}
        />
      </div>
      {deleted && (
        <UndoToast
          message={`Deleted “${displayTitle(deleted)}”.`}
          onUndo={() => {
            save(deleted);
            setDeleted(null);
          }}
          onDone={closeToast}
        />
      )}
    </div>
  );
}
