import { deleteDB, openDB, type DBSchema, type IDBPDatabase } from "idb";
import { conversationSchema, type Conversation } from "@/src/client/history/conversation-schema";
import { LEGACY_STORAGE_KEY, migrateLegacyConversation } from "@/src/client/history/legacy-conversation";

/** The browser's database of conversations. Keys and tokens never go here (they live in httpOnly cookies). */
export const HISTORY_DB_NAME = "quire-history";
/** The IndexedDB schema version; `upgrade` below takes any older database up to it, one step at a time. */
export const HISTORY_DB_VERSION = 1;

interface HistorySchema extends DBSchema {
  conversations: { key: string; value: Conversation; indexes: { updatedAt: number } };
  meta: { key: string; value: { key: string; value: unknown } };
}

/** Why a write did not happen. The caller keeps its in-memory state and tells the user. */
export type SaveFailure = { reason: "quota" | "unavailable"; message: string };
export type SaveResult = { ok: true } | ({ ok: false } & SaveFailure);

export function isQuotaError(error: unknown): boolean {
  // Chromium and Firefox name it; old Safari only set the legacy code 22.
  return error instanceof DOMException && (error.name === "QuotaExceededError" || error.code === 22);
}

function failure(error: unknown): SaveResult {
  if (isQuotaError(error)) {
    return {
      ok: false,
      reason: "quota",
      message: "This browser’s storage is full, so the latest changes are not saved. Export or delete old conversations to make room; nothing on this page is lost until you close it.",
    };
  }
  return {
    ok: false,
    reason: "unavailable",
    message: "This browser would not save the conversation (storage may be disabled). It stays on this page until you close it.",
  };
}

/** Conversations in IndexedDB: one record per conversation, its messages with all their parts inside. */
export class HistoryStore {
  private constructor(private readonly db: IDBPDatabase<HistorySchema>) {}

  static async open(): Promise<HistoryStore> {
    const db = await openDB<HistorySchema>(HISTORY_DB_NAME, HISTORY_DB_VERSION, {
      upgrade(database, oldVersion) {
        if (oldVersion < 1) {
          const conversations = database.createObjectStore("conversations", { keyPath: "id" });
          conversations.createIndex("updatedAt", "updatedAt");
          database.createObjectStore("meta", { keyPath: "key" });
        }
        // A version 2 adds `if (oldVersion < 2) { … }` here and raises HISTORY_DB_VERSION.
      },
    });
    return new HistoryStore(db);
  }

  /** Every readable conversation, newest first. A record that fails the schema is skipped, not fatal. */
  async list(): Promise<Conversation[]> {
    const records = await this.db.getAll("conversations");
    const conversations = records.flatMap((record) => {
      const parsed = conversationSchema.safeParse(record);
      return parsed.success ? [parsed.data] : [];
    });
    return conversations.sort((a, b) => b.updatedAt - a.updatedAt);
  }

  async save(conversation: Conversation): Promise<SaveResult> {
    return this.write([conversation], []);
  }

  async saveMany(conversations: Conversation[]): Promise<SaveResult> {
    return this.write(conversations, []);
  }

  async remove(id: string): Promise<SaveResult> {
    return this.write([], [id]);
  }

  private async write(puts: Conversation[], deletes: string[]): Promise<SaveResult> {
    try {
      const transaction = this.db.transaction("conversations", "readwrite");
      // Every promise is observed at once: when one fails, the others' rejections are expected, not unhandled.
      const pending: Promise<unknown>[] = [];
      const observe = (promise: Promise<unknown>) => {
        promise.catch(() => undefined);
        pending.push(promise);
      };
      // A quota error can come from a put or only at commit, as the transaction's abort: `done` rejects in both cases.
      observe(transaction.done);
      try {
        for (const conversation of puts) observe(transaction.store.put(conversation));
        for (const id of deletes) observe(transaction.store.delete(id));
      } catch (error) {
        // A put that throws at once would otherwise leave the earlier ones to commit: all or nothing.
        transaction.abort();
        throw error;
      }
      await Promise.all(pending);
      return { ok: true };
    } catch (error) {
      return failure(error);
    }
  }

  /**
   * Moves version 1's localStorage conversation in, once: the legacy key is removed only
   * after the record is written, and a flag keeps a later run from importing it again.
   */
  async migrateLegacy(storage: Storage, now: number): Promise<Conversation | null> {
    if ((await this.db.get("meta", "legacyMigrated"))?.value === true) return null;
    const conversation = migrateLegacyConversation(storage.getItem(LEGACY_STORAGE_KEY), now);
    if (conversation && !(await this.save(conversation)).ok) return null;
    await this.db.put("meta", { key: "legacyMigrated", value: true });
    storage.removeItem(LEGACY_STORAGE_KEY);
    return conversation;
  }

  close(): void {
    this.db.close();
  }
}

/** Removes the whole database (Settings → Delete all local data); `onBlocked` when another tab holds it open. */
export async function deleteHistoryDatabase(onBlocked: () => void): Promise<void> {
  await deleteDB(HISTORY_DB_NAME, { blocked: onBlocked });
}
