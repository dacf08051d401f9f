import { describe, expect, it } from "vitest";
import { createResilientStore } from "@/src/server/security/rate-limit-backend";
import { createMemoryRateLimitStore, windowOf, type RateLimitStore } from "@/src/server/security/rate-limit-store";

const MINUTE = 60_000;
const T0 = 1_800_000_000_000 - (1_800_000_000_000 % (10 * MINUTE));

describe("windowOf", () => {
  it("aligns windows on multiples of their length", () => {
    expect(windowOf(MINUTE, T0 + 59_999)).toEqual({ start: T0, resetAt: T0 + MINUTE });
    expect(windowOf(MINUTE, T0 + MINUTE)).toEqual({ start: T0 + MINUTE, resetAt: T0 + 2 * MINUTE });
  });
});

describe("the memory store", () => {
  it("counts hits of a key within a window and restarts at the next window", async () => {
    const store = createMemoryRateLimitStore();
    expect(await store.hit("k", MINUTE, T0)).toEqual({ count: 1, resetAt: T0 + MINUTE });
    expect(await store.hit("k", MINUTE, T0 + 10)).toEqual({ count: 2, resetAt: T0 + MINUTE });
    expect(await store.hit("k", MINUTE, T0 + MINUTE)).toEqual({ count: 1, resetAt: T0 + 2 * MINUTE });
  });

  it("stays within its cap under 100k distinct keys in one window", async () => {
    const store = createMemoryRateLimitStore({ maxEntries: 5_000 });
    const started = performance.now();
    for (let index = 0; index < 100_000; index += 1) {
      await store.hit(`key_check:ip:60000:10.${index >> 16}.${(index >> 8) & 255}.${index & 255}`, MINUTE, T0);
      if (store.size > 5_000) throw new Error(`grew to ${store.size} entries`);
    }
    expect(store.size).toBe(5_000);
    // A sanity bound only (about 1 s here, generous for a loaded CI machine); the O(1) steps are by construction.
    expect(performance.now() - started).toBeLessThan(5_000);
    // The most recent keys are the ones kept, with their counts intact.
    expect(await store.hit("key_check:ip:60000:10.1.134.159", MINUTE, T0)).toMatchObject({ count: 2 });
  });

  it("drops expired windows as it goes, so the size follows live clients, not every client ever seen", async () => {
    const store = createMemoryRateLimitStore({ maxEntries: 1_000_000 });
    for (let index = 0; index < 100_000; index += 1) await store.hit(`a${index}`, MINUTE, T0);
    expect(store.size).toBe(100_000);
    // In the next window a trickle of new hits sweeps the expired counters (a few per hit).
    for (let index = 0; index < 30_000; index += 1) await store.hit(`b${index % 10}`, MINUTE, T0 + MINUTE);
    expect(store.size).toBe(10);
  });

  it("evicts the counter that expires first when full, whatever the mix of window lengths", async () => {
    const store = createMemoryRateLimitStore({ maxEntries: 3 });
    await store.hit("long", 10 * MINUTE, T0);
    await store.hit("short-1", MINUTE, T0);
    await store.hit("short-2", MINUTE, T0);
    await store.hit("new", MINUTE, T0 + 1);
    expect(store.size).toBe(3);
    // "long" lives on (its window ends last): its second hit counts 2.
    expect(await store.hit("long", 10 * MINUTE, T0 + 2)).toMatchObject({ count: 2 });
    // "short-1" (first to expire) was dropped: its count starts again; re-adding it dropped "short-2", the next to expire.
    expect(await store.hit("short-1", MINUTE, T0 + 3)).toMatchObject({ count: 1 });
    expect(store.size).toBe(3);
    expect(await store.hit("new", MINUTE, T0 + 4)).toMatchObject({ count: 2 });
  });
});

describe("createResilientStore", () => {
  const failing = (message: string): RateLimitStore => ({
    hit: async () => {
      throw new Error(message);
    },
    close: async () => undefined,
  });

  it("uses per-instance counting while the shared store is down, and reconnects after the retry delay", async () => {
    let now = T0;
    let opens = 0;
    let healthy = false;
    const shared = createMemoryRateLimitStore();
    const errors: unknown[] = [];
    const store = createResilientStore(
      async () => {
        opens += 1;
        if (!healthy) throw new Error("connection refused");
        return shared;
      },
      createMemoryRateLimitStore(),
      { onError: (error) => errors.push(error), retryMs: 30_000, clock: () => now },
    );
    expect(await store.hit("k", MINUTE, T0)).toMatchObject({ count: 1 });
    expect(await store.hit("k", MINUTE, T0)).toMatchObject({ count: 2 });
    expect(opens).toBe(1);
    expect(errors).toHaveLength(1);
    healthy = true;
    now += 30_000;
    expect(await store.hit("k", MINUTE, T0)).toMatchObject({ count: 1 });
    expect(await shared.hit("k", MINUTE, T0)).toMatchObject({ count: 2 });
    expect(opens).toBe(2);
  });

  it("falls back for a single failed hit of an open shared store", async () => {
    const errors: unknown[] = [];
    const store = createResilientStore(async () => failing("statement timeout"), createMemoryRateLimitStore(), {
      onError: (error) => errors.push(error),
    });
    expect(await store.hit("k", MINUTE, T0)).toMatchObject({ count: 1 });
    expect(await store.hit("k", MINUTE, T0)).toMatchObject({ count: 2 });
    expect(errors.map((error) => (error as Error).message)).toEqual(["statement timeout", "statement timeout"]);
  });
});
