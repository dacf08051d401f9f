import { afterEach, describe, expect, it } from "vitest";
import { closeStore, getStore, StoreClosedError } from "@/src/server/rag/store";
import {
  inFlightStreams,
  installShutdownHandlers,
  isShuttingDown,
  onShutdown,
  resetShutdownForTests,
  shutDown,
  trackStream,
} from "@/src/server/shutdown";

/** A streaming response whose chunks the test pushes by hand. */
function manualStream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled: unknown = "not cancelled";
  const body = new ReadableStream<Uint8Array>({
    start: (control) => void (controller = control),
    cancel: (reason) => void (cancelled = reason),
  });
  const response = new Response(body, { status: 200, headers: [["content-type", "text/plain"], ["set-cookie", "a=1"], ["set-cookie", "b=2"]] });
  return {
    response,
    push: (text: string) => controller.enqueue(new TextEncoder().encode(text)),
    end: () => controller.close(),
    fail: (error: Error) => controller.error(error),
    cancelled: () => cancelled,
  };
}

function recordingLogger() {
  const lines: string[] = [];
  const record = (_object: object, message: string) => void lines.push(message);
  return { lines, logger: { info: record, warn: record, error: record } };
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

afterEach(() => resetShutdownForTests());

describe("trackStream", () => {
  it("passes the body, status and every header through, and counts the stream until it is read to the end", async () => {
    const source = manualStream();
    const tracked = trackStream(source.response);
    expect(tracked.status).toBe(200);
    expect(tracked.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(inFlightStreams()).toBe(1);
    source.push("hello ");
    source.push("world");
    source.end();
    expect(await tracked.text()).toBe("hello world");
    expect(inFlightStreams()).toBe(0);
  });

  it("stops counting a stream that fails or that the client cancels, and passes the cancel on", async () => {
    const failing = manualStream();
    const failed = trackStream(failing.response);
    failing.fail(new Error("upstream broke"));
    await expect(failed.text()).rejects.toThrow("upstream broke");
    const leaving = manualStream();
    const left = trackStream(leaving.response);
    expect(inFlightStreams()).toBe(1);
    await left.body!.cancel("client went away");
    expect(inFlightStreams()).toBe(0);
    expect(leaving.cancelled()).toBe("client went away");
  });

  it("leaves a response without a body as it is", () => {
    const empty = new Response(null, { status: 204 });
    expect(trackStream(empty)).toBe(empty);
    expect(inFlightStreams()).toBe(0);
  });
});

describe("shutDown", () => {
  it("stops new work at once, and closes the store only after the stream in flight finished", async () => {
    const source = manualStream();
    const reading = trackStream(source.response).text();
    const events: string[] = [];
    const closing = shutDown("SIGTERM", { timeoutMs: 5_000, logger: recordingLogger().logger, closeStore: async () => void events.push("closed") });
    expect(isShuttingDown()).toBe(true);
    await settle();
    expect(events).toEqual([]);
    source.push("last words");
    await settle();
    expect(events).toEqual([]);
    events.push("stream ended");
    source.end();
    expect(await closing).toBe(0);
    expect(events).toEqual(["stream ended", "closed"]);
    expect(await reading).toBe("last words");
  });

  it("closes the store after the timeout even while a stream is still open", async () => {
    trackStream(manualStream().response);
    const { lines, logger } = recordingLogger();
    let closed = false;
    const started = Date.now();
    const code = await shutDown("SIGTERM", { timeoutMs: 150, logger, closeStore: async () => void (closed = true) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(closed).toBe(true);
    expect(code).toBe(0);
    expect(inFlightStreams()).toBe(1);
    expect(lines).toContain("shutdown timeout: closing the store with answers still streaming");
  });

  it("exits 1 when closing the store fails, and runs once however often it is asked", async () => {
    let closes = 0;
    const options = {
      timeoutMs: 100,
      logger: recordingLogger().logger,
      closeStore: async () => {
        closes++;
        throw new Error("disk gone");
      },
    };
    const first = shutDown("SIGTERM", options);
    expect(shutDown("SIGINT", options)).toBe(first);
    expect(await first).toBe(1);
    expect(closes).toBe(1);
  });
});

describe("installShutdownHandlers", () => {
  it("drains, closes and exits with the code once on the first signal, ignoring a repeat", async () => {
    const exits: number[] = [];
    let closes = 0;
    const { lines, logger } = recordingLogger();
    installShutdownHandlers({
      signals: ["SIGUSR2"],
      timeoutMs: 1_000,
      logger,
      exit: (code) => void exits.push(code),
      closeStore: async () => void closes++,
    });
    expect(installShutdownHandlers({ signals: ["SIGUSR2"] })).toBeTypeOf("function");
    expect(process.listenerCount("SIGUSR2")).toBe(1);
    process.emit("SIGUSR2", "SIGUSR2");
    process.emit("SIGUSR2", "SIGUSR2");
    await settle();
    expect({ exits, closes }).toEqual({ exits: [0], closes: 1 });
    expect(lines).toContain("already shutting down");
    resetShutdownForTests();
    expect(process.listenerCount("SIGUSR2")).toBe(0);
  });

  it("warns when another handler (Next.js's own) also exits on the signal", () => {
    const other = () => undefined;
    process.on("SIGUSR2", other);
    try {
      const { lines, logger } = recordingLogger();
      installShutdownHandlers({ signals: ["SIGUSR2"], logger, exit: () => undefined, closeStore: async () => undefined });
      expect(lines.join("\n")).toMatch(/another handler also exits on these signals/);
    } finally {
      process.off("SIGUSR2", other);
    }
  });
});

describe("the store after the final close", () => {
  it("is refused by getStore() instead of being opened again, which would take the lock again", async () => {
    // Nothing was opened in this process: closing it touches no data dir, and this file's process is its own.
    await closeStore();
    await expect(getStore()).rejects.toBeInstanceOf(StoreClosedError);
    await expect(getStore()).rejects.toThrow("The knowledge store is closed: the server is shutting down.");
  });
});

describe("onShutdown", () => {
  it("runs every hook before the store closes, a failing one included, while streams drain", async () => {
    const { lines, logger } = recordingLogger();
    const order: string[] = [];
    onShutdown(async () => {
      await settle();
      order.push("admin endpoint closed");
    });
    onShutdown(() => {
      throw new Error("timer already gone");
    });
    const unregistered = onShutdown(() => order.push("never"));
    unregistered();
    const code = await shutDown("SIGTERM", { timeoutMs: 1000, logger, closeStore: async () => void order.push("store closed"), exit: () => undefined });
    expect(code).toBe(0);
    expect(order).toEqual(["admin endpoint closed", "store closed"]);
    expect(lines).toContain("a shutdown step failed; closing the store anyway");
  });
});
