import "server-only";

/**
 * Fixed-window counters. A window of `windowMs` starts at every multiple of
 * `windowMs` since the epoch; a hit adds one to the key's counter of the current
 * window and says how many hits that window has seen.
 *
 * Why fixed windows: one counter per key makes a hit a single atomic operation
 * (one upsert on PostgreSQL), the count is exact (200 parallel hits on a limit
 * of 50 allow exactly 50), and the retry time is exact: the end of the window.
 * The cost is a burst of up to twice the limit across a window boundary, which
 * still bounds abuse to 2 × limit per window length: enough for these limits.
 */
export interface RateLimitHit {
  /** Hits in the current window, this one included (denied hits count too). */
  count: number;
  /** When the current window ends (epoch ms). */
  resetAt: number;
}

export interface RateLimitStore {
  /** Counts one hit of `key` in the window of `windowMs` that contains `now`, atomically. */
  hit(key: string, windowMs: number, now: number): Promise<RateLimitHit>;
  close(): Promise<void>;
}

/** The window that contains `now`. */
export function windowOf(windowMs: number, now: number): { start: number; resetAt: number } {
  const start = Math.floor(now / windowMs) * windowMs;
  return { start, resetAt: start + windowMs };
}

interface Counter {
  key: string;
  windowMs: number;
  start: number;
  resetAt: number;
  count: number;
  /** Neighbours in the expiry-ordered list of the counter's window length. */
  prev: Counter | null;
  next: Counter | null;
}

/** Counters of one window length, oldest window first. */
interface Queue {
  head: Counter | null;
  tail: Counter | null;
}

export interface MemoryStoreOptions {
  /** Most counters kept at once; beyond it the counter that expires first is dropped. */
  maxEntries?: number;
}

export interface MemoryRateLimitStore extends RateLimitStore {
  /** Counters currently held (for tests and metrics). */
  readonly size: number;
}

const DEFAULT_MAX_ENTRIES = 50_000;
/** Expired counters removed per hit: amortised cleanup, O(1) per hit. */
const SWEEP_PER_HIT = 4;

function unlink(queue: Queue, counter: Counter): void {
  if (counter.prev) counter.prev.next = counter.next;
  else queue.head = counter.next;
  if (counter.next) counter.next.prev = counter.prev;
  else queue.tail = counter.prev;
  counter.prev = counter.next = null;
}

function append(queue: Queue, counter: Counter): void {
  counter.prev = queue.tail;
  if (queue.tail) queue.tail.next = counter;
  else queue.head = counter;
  queue.tail = counter;
}

/**
 * The per-instance store. A Map finds a key's counter; each window length has a
 * linked list of its counters in window-start order, which is also expiry order
 * (a counter moves to the back when its window rolls over). So expired counters
 * are always at the front of their list: each hit drops a few, and when the cap is
 * reached the counter that expires first goes. Every step is O(1), and memory is
 * bounded by maxEntries whatever the number of keys. (The order is kept in lists,
 * not in the Map's insertion order: V8 leaves deleted Map entries in place until a
 * rehash, so repeatedly reading the first entry after deletions is not O(1).)
 */
export function createMemoryRateLimitStore(options: MemoryStoreOptions = {}): MemoryRateLimitStore {
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const counters = new Map<string, Counter>();
  const queues = new Map<number, Queue>();

  const remove = (counter: Counter) => {
    unlink(queues.get(counter.windowMs)!, counter);
    counters.delete(`${counter.windowMs} ${counter.key}`);
  };

  const sweep = (now: number) => {
    let budget = SWEEP_PER_HIT;
    for (const queue of queues.values()) {
      while (budget > 0 && queue.head !== null && queue.head.resetAt <= now) {
        remove(queue.head);
        budget -= 1;
      }
    }
  };

  /** Drops the counter whose window ends first: the earliest head of the few lists. */
  const evictOne = () => {
    let victim: Counter | null = null;
    for (const queue of queues.values()) {
      if (queue.head && (victim === null || queue.head.resetAt < victim.resetAt)) victim = queue.head;
    }
    if (victim) remove(victim);
  };

  return {
    get size() {
      return counters.size;
    },
    async hit(key, windowMs, now) {
      sweep(now);
      const window = windowOf(windowMs, now);
      const id = `${windowMs} ${key}`;
      const existing = counters.get(id);
      // A hit that computes an earlier window (clock stepped back) counts in the current one.
      if (existing && existing.start >= window.start) {
        existing.count += 1;
        return { count: existing.count, resetAt: existing.resetAt };
      }
      if (existing) remove(existing);
      while (counters.size >= maxEntries) evictOne();
      let queue = queues.get(windowMs);
      if (!queue) queues.set(windowMs, (queue = { head: null, tail: null }));
      const counter: Counter = { key, windowMs, start: window.start, resetAt: window.resetAt, count: 1, prev: null, next: null };
      append(queue, counter);
      counters.set(id, counter);
      return { count: 1, resetAt: window.resetAt };
    },
    async close() {
      counters.clear();
      queues.clear();
    },
  };
}
