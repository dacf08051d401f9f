import { afterEach, describe, expect, it, vi } from "vitest";
import { createSingleFlight } from "@/src/server/auth/single-flight";

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

afterEach(() => vi.useRealTimers());

describe("createSingleFlight", () => {
  it("shares one running task between concurrent callers of a key", async () => {
    const flight = createSingleFlight<string>({ graceMs: 1000 });
    const gate = deferred<string>();
    const task = vi.fn(() => gate.promise);
    const both = Promise.all([flight.run("a", task), flight.run("a", task)]);
    gate.resolve("new tokens");
    expect(await both).toEqual(["new tokens", "new tokens"]);
    expect(task).toHaveBeenCalledTimes(1);
  });

  it("runs different keys independently", async () => {
    const flight = createSingleFlight<string>({ graceMs: 1000 });
    const results = await Promise.all([flight.run("a", async () => "A"), flight.run("b", async () => "B")]);
    expect(results).toEqual(["A", "B"]);
    expect(flight.size()).toBe(2);
  });

  it("remembers a success for the grace period, then forgets it", async () => {
    vi.useFakeTimers();
    const flight = createSingleFlight<number>({ graceMs: 500 });
    let calls = 0;
    const task = async () => ++calls;
    expect(await flight.run("a", task)).toBe(1);
    expect(await flight.run("a", task)).toBe(1);
    await vi.advanceTimersByTimeAsync(501);
    expect(flight.size()).toBe(0);
    expect(await flight.run("a", task)).toBe(2);
  });

  it("forgets a failure at once, so the next caller retries", async () => {
    const flight = createSingleFlight<string>({ graceMs: 10_000 });
    await expect(flight.run("a", async () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    await Promise.resolve();
    expect(flight.size()).toBe(0);
    await expect(flight.run("a", async () => "ok")).resolves.toBe("ok");
  });

  it("turns a synchronous throw into a rejection shared by concurrent callers", async () => {
    const flight = createSingleFlight<string>({ graceMs: 1000 });
    const task = vi.fn((): Promise<string> => {
      throw new Error("sync");
    });
    const results = await Promise.allSettled([flight.run("a", task), flight.run("a", task)]);
    expect(results.map((result) => result.status)).toEqual(["rejected", "rejected"]);
    expect(task).toHaveBeenCalledTimes(1);
  });
});
