import { afterEach, describe, expect, it } from "vitest";
import { resetSyncGuardForTests, runExclusiveSync, stopSyncs, SyncBusyError, SyncStoppedError } from "@/src/server/sync/sync-guard";
import { IngestBusyError } from "@/src/server/rag/store/advisory-lock";
import { startSyncTimer } from "@/src/server/sync/sync-timer";

afterEach(() => resetSyncGuardForTests());

function recorder() {
  const lines: string[] = [];
  const at = (level: string) => (object: object, message: string) => lines.push(`${level} ${message} ${JSON.stringify(object)}`);
  return { lines, logger: { info: at("info"), warn: at("warn"), error: at("error") } };
}

describe("the sync guard", () => {
  it("runs one sync at a time: refuses the second at once, or waits for the first when asked", async () => {
    let release: () => void = () => undefined;
    const first = runExclusiveSync("interval sync", () => new Promise<string>((resolve) => (release = () => resolve("done"))));
    await expect(runExclusiveSync("quire ingest", async () => "never")).rejects.toThrow(SyncBusyError);
    await expect(runExclusiveSync("quire ingest", async () => "never")).rejects.toThrow(/already syncing \(interval sync, started \d+ s ago\)/);
    const waiting = runExclusiveSync("quire ingest", async () => "after the first", { wait: true });
    release();
    await expect(first).resolves.toBe("done");
    await expect(waiting).resolves.toBe("after the first");
    await expect(runExclusiveSync("quire ingest", async () => "next")).resolves.toBe("next");
  });

  it("at shutdown aborts the running sync's signal, waits for it, and refuses new ones", async () => {
    let seen: AbortSignal | undefined;
    const running = runExclusiveSync("interval sync", (signal) => {
      seen = signal;
      return new Promise((resolve, reject) => signal.addEventListener("abort", () => reject(signal.reason as Error)));
    });
    await new Promise((resolve) => setTimeout(resolve, 0));
    await expect(stopSyncs(1000)).resolves.toBe(true);
    expect(seen?.aborted).toBe(true);
    await expect(running).rejects.toThrow(SyncStoppedError);
    await expect(runExclusiveSync("quire ingest", async () => 1)).rejects.toThrow(SyncStoppedError);
  });
});

describe("the interval timer", () => {
  it("retries after a failure, skips while another sync runs here or on another instance, and stops", async () => {
    const { lines, logger } = recorder();
    let calls = 0;
    const timer = startSyncTimer({
      intervalMs: 20,
      logger,
      sync: async () => {
        calls++;
        if (calls === 1) throw new Error("remote unreachable");
        if (calls === 3) throw new IngestBusyError("PostgreSQL db.internal/quire");
        return { added: calls };
      },
    });
    await timer.nextTick();
    expect(lines.at(-1)).toMatch(/^error interval sync failed; the next tick tries again/);
    await timer.nextTick();
    expect(lines.at(-1)).toMatch(/^info interval sync finished .*"added":2/);
    // Another instance holds the PostgreSQL advisory lock: this one skips its tick.
    await timer.nextTick();
    expect(lines.at(-1)).toMatch(/^info interval sync skipped: another sync is running .*Another `quire ingest` is writing/);
    let release: () => void = () => undefined;
    const manual = runExclusiveSync("quire ingest", () => new Promise<void>((resolve) => (release = resolve)));
    await timer.nextTick();
    expect(lines.at(-1)).toMatch(/^info interval sync skipped: another sync is running/);
    release();
    await manual;
    timer.stop();
    const callsAtStop = calls;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(calls).toBe(callsAtStop);
  });
});
