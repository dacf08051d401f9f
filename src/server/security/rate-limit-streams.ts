import "server-only";
import { env } from "@/src/server/env";
import { AppError } from "@/src/server/errors";
import type { ClientIdentity } from "@/src/server/security/client-ip";

/**
 * A cap on answers streaming at the same time per client (per address and per
 * credential), so that one client cannot hold every upstream connection open.
 *
 * In memory, per instance: a slot lives exactly as long as a stream on this
 * process, and a shared counter would leak slots whenever an instance dies
 * mid-stream. With N instances a client may hold up to N × cap streams, which
 * still bounds it.
 */
export interface StreamSlots {
  /** Takes a slot for each of the client's subjects, or none at all; null when one is full. */
  tryAcquire(identity: ClientIdentity): (() => void) | null;
  /** Streams currently open for the client: the most of its address's and its credential's. */
  active(identity: ClientIdentity): number;
  /** The cap per subject, or null for none. */
  readonly limit: number | null;
  /** Subjects with at least one stream: entries are removed at zero, so this stays bounded. */
  readonly size: number;
}

function subjects(identity: ClientIdentity): string[] {
  return identity.credentialKey === null ? [`ip:${identity.ipKey}`] : [`ip:${identity.ipKey}`, `credential:${identity.credentialKey}`];
}

/** Slots with at most `maxPerClient` streams per subject; null means no cap (release still works). */
export function createStreamSlots(maxPerClient: number | null): StreamSlots {
  const counts = new Map<string, number>();
  return {
    limit: maxPerClient,
    get size() {
      return counts.size;
    },
    active(identity) {
      return Math.max(...subjects(identity).map((key) => counts.get(key) ?? 0));
    },
    tryAcquire(identity) {
      const keys = subjects(identity);
      // Check all, then take all: synchronous, so no other request interleaves.
      if (maxPerClient !== null && keys.some((key) => (counts.get(key) ?? 0) >= maxPerClient)) return null;
      for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
      let released = false;
      return () => {
        // Idempotent: a stream may end by finishing, erroring and aborting, and each path may release.
        if (released) return;
        released = true;
        for (const key of keys) {
          const remaining = (counts.get(key) ?? 0) - 1;
          if (remaining > 0) counts.set(key, remaining);
          else counts.delete(key);
        }
      };
    },
  };
}

let shared: StreamSlots | undefined;

function sharedStreamSlots(): StreamSlots {
  shared ??= createStreamSlots(env().QUIRE_MAX_CONCURRENT_STREAMS);
  return shared;
}

/** The 429 for a client with too many open streams; retryAfter is a hint, as slots free when answers end. */
export function tooManyStreamsError(limit: number | null): AppError {
  const cap = limit === null ? "" : ` (at most ${limit})`;
  return new AppError(
    "rate_limited",
    `Too many answers are streaming at once for your address or key${cap}. Wait for one to finish, then try again.`,
    { status: 429, retryAfter: 5 },
  );
}

/**
 * Takes a stream slot for the client, or throws the 429. Call the returned release()
 * when the stream ends for any reason (finish, error, client abort); calling it more
 * than once is harmless.
 */
export function acquireStreamSlot(identity: ClientIdentity, slots: StreamSlots = sharedStreamSlots()): () => void {
  const release = slots.tryAcquire(identity);
  if (release === null) throw tooManyStreamsError(slots.limit);
  return release;
}

/** Forgets the process's slots (tests). */
export function resetStreamSlotsForTests(): void {
  shared = undefined;
}
