import "fake-indexeddb/auto";
import { IDBFactory } from "fake-indexeddb";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { HISTORY_DB_NAME, HistoryStore } from "@/src/client/history/history-store";
import { LEGACY_STORAGE_KEY } from "@/src/client/history/legacy-conversation";
import { sampleConversation, sourcePart } from "@/src/client/history/test-fixtures";

/** A Storage over a Map: just what the migration touches. */
class MemoryStorage implements Storage {
  private readonly items = new Map<string, string>();
  get length() {
    return this.items.size;
  }
  clear() {
    this.items.clear();
  }
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
}

const source = sourcePart;
const conversation = (id: string, question: string, updatedAt: number) => sampleConversation(id, question, updatedAt, Math.max(0, updatedAt - 1000));

let store: HistoryStore;
beforeEach(async () => {
  globalThis.indexedDB = new IDBFactory();
  store = await HistoryStore.open();
});
afterEach(() => {
  store.close();
  vi.restoreAllMocks();
});

describe("HistoryStore", () => {
  it("keeps messages with every part (text, sources, metadata, errors) and lists newest first", async () => {
    const older = conversation("a", "How do I install?", 1_000);
    const newer = { ...conversation("b", "What is a node?", 2_000), error: { code: "rate_limited" as const, message: "Slow down.", retryAfter: 3 }, interrupted: ["b-a"] };
    expect(await store.save(older)).toEqual({ ok: true });
    expect(await store.save(newer)).toEqual({ ok: true });
    store.close();
    store = await HistoryStore.open();
    const listed = await store.list();
    expect(listed.map((item) => item.id)).toEqual(["b", "a"]);
    expect(listed[0]).toEqual(newer);
    expect(listed[1]?.messages[1]?.parts[0]).toEqual(source);
  });

  it("removes a conversation, and a save puts it back (undo)", async () => {
    const item = conversation("a", "Q", 1);
    await store.save(item);
    await store.remove("a");
    expect(await store.list()).toEqual([]);
    await store.save(item);
    expect(await store.list()).toEqual([item]);
  });

  it("skips a record that fails the schema instead of failing the whole list", async () => {
    await store.save(conversation("good", "Q", 1));
    const raw = await new Promise<IDBDatabase>((resolve) => {
      const request = indexedDB.open(HISTORY_DB_NAME);
      request.onsuccess = () => resolve(request.result);
    });
    await new Promise<void>((resolve) => {
      const transaction = raw.transaction("conversations", "readwrite");
      transaction.objectStore("conversations").put({ id: "bad", messages: "not a list" });
      transaction.oncomplete = () => resolve();
    });
    raw.close();
    expect((await store.list()).map((item) => item.id)).toEqual(["good"]);
  });
});

describe("a full disk", () => {
  it("reports a QuotaExceededError from a put, and writes nothing", async () => {
    const kept = conversation("kept", "Q", 1);
    await store.save(kept);
    vi.spyOn(IDBObjectStore.prototype, "put").mockImplementation(() => {
      throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
    });
    const result = await store.saveMany([conversation("x", "Q", 2), conversation("y", "Q", 3)]);
    expect(result).toMatchObject({ ok: false, reason: "quota" });
    expect(result.ok ? "" : result.message).toMatch(/storage is full/);
    vi.restoreAllMocks();
    expect(await store.list()).toEqual([kept]);
  });

  it("reports a quota error that arrives as the transaction's abort", async () => {
    const realPut = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, "put").mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore["put"]>) {
      const request = realPut.apply(this, args);
      const transaction = this.transaction;
      queueMicrotask(() => {
        Object.defineProperty(transaction, "error", { value: new DOMException("full", "QuotaExceededError") });
        transaction.abort();
      });
      return request;
    });
    const result = await store.save(conversation("x", "Q", 2));
    expect(result).toMatchObject({ ok: false });
    vi.restoreAllMocks();
    expect(await store.list()).toEqual([]);
  });

  it("calls any other failure unavailable, not full", async () => {
    vi.spyOn(IDBObjectStore.prototype, "put").mockImplementation(() => {
      throw new DOMException("Nope.", "InvalidStateError");
    });
    expect(await store.save(conversation("x", "Q", 2))).toMatchObject({ ok: false, reason: "unavailable" });
  });
});

describe("migration from version 1 (localStorage)", () => {
  const legacy = {
    messages: [
      { id: "q1", role: "user", parts: [{ type: "text", text: "How do I run a node on Linux?\nDetails follow" }] },
      { id: "a1", role: "assistant", parts: [source, { type: "text", text: "Like this [1]." }], metadata: { model: "m1", retrieval: "hybrid" } },
    ],
    error: { code: "timeout", message: "Too slow." },
    interrupted: ["a1"],
    draft: "and on macOS?",
  };

  it("moves the saved conversation in once, titled from its first question, and clears the old key", async () => {
    const storage = new MemoryStorage();
    storage.setItem(LEGACY_STORAGE_KEY, JSON.stringify(legacy));
    const migrated = await store.migrateLegacy(storage, 5_000);
    expect(migrated).toMatchObject({ schemaVersion: 2, title: "How do I run a node on Linux?", createdAt: 5_000, pinned: false, draft: "and on macOS?", interrupted: ["a1"], error: legacy.error });
    expect(migrated?.messages).toEqual(legacy.messages);
    expect(storage.getItem(LEGACY_STORAGE_KEY)).toBeNull();
    expect(await store.list()).toEqual([migrated]);

    // Once only: the same data put back (another tab of the old version) is not imported again.
    storage.setItem(LEGACY_STORAGE_KEY, JSON.stringify(legacy));
    expect(await store.migrateLegacy(storage, 6_000)).toBeNull();
    expect(await store.list()).toHaveLength(1);
  });

  it("keeps the old key when the write fails, so a later run can try again", async () => {
    const storage = new MemoryStorage();
    storage.setItem(LEGACY_STORAGE_KEY, JSON.stringify(legacy));
    vi.spyOn(IDBObjectStore.prototype, "put").mockImplementation(() => {
      throw new DOMException("full", "QuotaExceededError");
    });
    expect(await store.migrateLegacy(storage, 5_000)).toBeNull();
    vi.restoreAllMocks();
    expect(storage.getItem(LEGACY_STORAGE_KEY)).not.toBeNull();
    expect(await store.migrateLegacy(storage, 5_000)).not.toBeNull();
  });

  it("ignores an empty or unreadable old conversation", async () => {
    const storage = new MemoryStorage();
    storage.setItem(LEGACY_STORAGE_KEY, "{not json");
    expect(await store.migrateLegacy(storage, 1)).toBeNull();
    expect(await store.list()).toEqual([]);
  });
});
