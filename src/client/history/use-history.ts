"use client";

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Conversation } from "@/src/client/history/conversation-schema";
import { HistoryStore, type SaveResult } from "@/src/client/history/history-store";

export interface History {
  /** Null until the store has been read. */
  conversations: Conversation[] | null;
  /** Why the last write failed (storage full, or no storage): shown until a write succeeds or it is dismissed. */
  storageProblem: string | null;
  dismissStorageProblem: () => void;
  /** The latest copy of one conversation, for merges that must not use a stale render's. */
  get: (id: string) => Conversation | undefined;
  save: (conversation: Conversation) => void;
  saveMany: (conversations: Conversation[]) => void;
  remove: (id: string) => void;
  /** Closes the database, e.g. before it is deleted. */
  close: () => void;
}

const UNAVAILABLE = "This browser does not let Quire keep a history (storage may be disabled or private). Conversations stay on this page until you close it.";

/**
 * The conversations, in memory and in IndexedDB. Memory is the truth while the page is open:
 * a failed write keeps it and says so, and the next successful write catches the store up.
 */
export function useHistory(): History {
  const [conversations, setConversations] = useState<Conversation[] | null>(null);
  const [storageProblem, setStorageProblem] = useState<string | null>(null);
  const latest = useRef<Conversation[]>([]);
  const store = useRef<HistoryStore | null>(null);

  useEffect(() => {
    let cancelled = false;
    void (async () => {
      let loaded: Conversation[] = [];
      try {
        const opened = await HistoryStore.open();
        await opened.migrateLegacy(window.localStorage, Date.now());
        loaded = await opened.list();
        if (cancelled) return opened.close();
        store.current = opened;
      } catch {
        if (!cancelled) setStorageProblem(UNAVAILABLE);
      }
      if (cancelled) return;
      latest.current = loaded;
      setConversations(loaded);
    })();
    return () => {
      cancelled = true;
      store.current?.close();
      store.current = null;
    };
  }, []);

  const update = useCallback((next: Conversation[]) => {
    latest.current = next;
    setConversations(next);
  }, []);

  const report = useCallback((pending: Promise<SaveResult> | undefined) => {
    if (!pending) return setStorageProblem(UNAVAILABLE);
    void pending.then((result) => setStorageProblem(result.ok ? null : result.message));
  }, []);

  const saveMany = useCallback(
    (changed: Conversation[]) => {
      const ids = new Set(changed.map((conversation) => conversation.id));
      update([...changed, ...latest.current.filter((conversation) => !ids.has(conversation.id))]);
      report(store.current?.saveMany(changed));
    },
    [update, report],
  );

  // Stable functions, so the chat's save effect does not run on every render.
  const actions = useMemo(
    () => ({
      dismissStorageProblem: () => setStorageProblem(null),
      get: (id: string) => latest.current.find((conversation) => conversation.id === id),
      save: (conversation: Conversation) => saveMany([conversation]),
      saveMany,
      remove: (id: string) => {
        update(latest.current.filter((conversation) => conversation.id !== id));
        report(store.current?.remove(id));
      },
      close: () => {
        store.current?.close();
        store.current = null;
      },
    }),
    [saveMany, update, report],
  );
  return { conversations, storageProblem, ...actions };
}
