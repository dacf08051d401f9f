import type { Behavior, NextBehavior, ProviderName } from "./types";

/** setBehavior("*", …) applies to every credential; a credential's own knobs win. */
export const ANY_CREDENTIAL = "*";

interface QueuedBehavior {
  behavior: Behavior;
  provider: ProviderName | undefined;
  remaining: number;
}

/** Standing per-credential knobs plus a queue of one-shot knobs for inference requests. */
export class BehaviorStore {
  private readonly byCredential = new Map<string, Behavior>();
  private queue: QueuedBehavior[] = [];

  set(credential: string, behavior: Behavior): void {
    this.byCredential.set(credential, { ...behavior });
  }

  setNext(next: NextBehavior): void {
    const { provider, times = 1, ...behavior } = next;
    if (times <= 0) return;
    this.queue.push({ behavior, provider, remaining: times });
  }

  /** Knobs that stand for a credential (wildcard first, then its own on top). */
  forCredential(credential: string | null): Behavior {
    const own = credential === null ? undefined : this.byCredential.get(credential);
    return { ...this.byCredential.get(ANY_CREDENTIAL), ...own };
  }

  /**
   * What a chat or embedding request sees. Consumes one use of the first queued
   * behavior for this provider, so "the next N requests" counts every attempt,
   * including ones that fail authentication.
   */
  forInference(provider: ProviderName, credential: string | null): Behavior {
    const queued = this.queue.find((entry) => entry.provider === undefined || entry.provider === provider);
    if (queued !== undefined) {
      queued.remaining -= 1;
      if (queued.remaining <= 0) this.queue = this.queue.filter((entry) => entry !== queued);
    }
    return { ...this.forCredential(credential), ...queued?.behavior };
  }

  reset(): void {
    this.byCredential.clear();
    this.queue = [];
  }
}
