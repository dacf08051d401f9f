import { describe, expect, it } from "vitest";
import { AppError } from "@/src/server/errors";
import type { ClientIdentity } from "@/src/server/security/client-ip";
import { acquireStreamSlot, createStreamSlots } from "@/src/server/security/rate-limit-streams";

const client = (ipKey: string, credentialKey: string | null = null): ClientIdentity => ({ ip: ipKey, ipKey, credentialKey });

describe("stream slots", () => {
  it("refuses a stream past the cap with a 429 and admits one again after a release", () => {
    const slots = createStreamSlots(2);
    const identity = client("203.0.113.9");
    const first = acquireStreamSlot(identity, slots);
    acquireStreamSlot(identity, slots);
    let refused: unknown;
    try {
      acquireStreamSlot(identity, slots);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: "rate_limited", status: 429, retryAfter: 5 });
    expect((refused as AppError).message).toBe(
      "Too many answers are streaming at once for your address or key (at most 2). Wait for one to finish, then try again.",
    );
    first();
    expect(slots.active(identity)).toBe(1);
    expect(() => acquireStreamSlot(identity, slots)).not.toThrow();
  });

  it("never goes negative: release() is idempotent, and a refused attempt holds nothing", () => {
    const slots = createStreamSlots(1);
    const identity = client("203.0.113.9", "hash");
    const release = slots.tryAcquire(identity)!;
    expect(slots.tryAcquire(identity)).toBeNull();
    release();
    release();
    release();
    expect(slots.active(identity)).toBe(0);
    expect(slots.size).toBe(0);
    // Had the extra releases counted, two streams would now fit.
    const again = slots.tryAcquire(identity);
    expect(again).not.toBeNull();
    expect(slots.tryAcquire(identity)).toBeNull();
    again!();
    expect(slots.active(identity)).toBe(0);
  });

  it("counts per address and per credential: one key cannot spread its streams over many addresses", () => {
    const slots = createStreamSlots(2);
    slots.tryAcquire(client("198.51.100.1", "stolen"));
    slots.tryAcquire(client("198.51.100.2", "stolen"));
    expect(slots.tryAcquire(client("198.51.100.3", "stolen"))).toBeNull();
    // The refusal took nothing from the fresh address, and other clients are unaffected.
    expect(slots.active(client("198.51.100.3"))).toBe(0);
    expect(slots.tryAcquire(client("198.51.100.3", "own-key"))).not.toBeNull();
  });

  it("keeps no entry for clients without open streams, so the map stays bounded", () => {
    const slots = createStreamSlots(3);
    for (let index = 0; index < 10_000; index += 1) slots.tryAcquire(client(`10.0.${index >> 8}.${index & 255}`, `h${index}`))!();
    expect(slots.size).toBe(0);
  });

  it("with no cap (`off`) admits everything and still counts releases correctly", () => {
    const slots = createStreamSlots(null);
    const identity = client("203.0.113.9");
    const releases = Array.from({ length: 100 }, () => acquireStreamSlot(identity, slots));
    expect(slots.active(identity)).toBe(100);
    for (const release of releases) release();
    expect(slots.active(identity)).toBe(0);
  });
});
