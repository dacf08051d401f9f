import { readFileSync } from "node:fs";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppServer, waitForStoreOpen, type AppServer } from "@/test/e2e/support/app-server";

/**
 * A 200 MB chunked body against the real `next start`: the chat route refuses it with
 * 413 after counting 2 MB, and the server's memory barely moves (Next buffers no body
 * for /api: proxy.ts does not run there). The peak is sampled from /proc every 5 ms.
 */
let app: AppServer;
beforeAll(async () => {
  app = await startAppServer({ LOG_LEVEL: "warn" });
  // Opening a fresh embedded store takes hundreds of MB for a moment; it is not the body's doing.
  await waitForStoreOpen(app);
});
afterAll(() => app?.stop());

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** The highest resident size seen every 5 ms while `work` runs (the kernel's VmHWM holds start-up's peak). */
async function peakRssDuring<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = rssMiB(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 5);
  try {
    const result = await work();
    return { result, peak: Math.max(peak, rssMiB(pid)) };
  } finally {
    clearInterval(timer);
  }
}

/** Streams `totalBytes` of JSON-ish bytes in 64 KB chunks, with no Content-Length. */
function postChunked(url: string, totalBytes: number): Promise<{ status: number | null; body: string; error?: string }> {
  return new Promise((resolve) => {
    const target = new URL("/api/chat", url);
    const request = http.request(
      { host: target.hostname, port: target.port, path: target.pathname, method: "POST", headers: { "content-type": "application/json", origin: url } },
      (response) => {
        let body = "";
        response.on("data", (data: Buffer) => (body += data.toString()));
        response.on("end", () => resolve({ status: response.statusCode ?? null, body }));
      },
    );
    // The server may close the connection after its 413 while we are still sending.
    request.on("error", (error: NodeJS.ErrnoException) => resolve({ status: null, body: "", error: error.code }));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const pump = () => {
      while (sent < totalBytes) {
        sent += chunk.length;
        if (!request.write(chunk)) return void request.once("drain", pump);
      }
      request.end();
    };
    request.write('{"messages":"');
    pump();
  });
}

describe.skipIf(process.platform !== "linux")("a huge request body, against next start", () => {
  it("gets 413 while the server's peak RSS grows by less than 16 MB", async () => {
    await fetch(`${app.url}/api/auth/status`);
    const before = rssMiB(app.pid);
    const { result, peak } = await peakRssDuring(app.pid, () => postChunked(app.url, 200 * 1024 * 1024));
    const growth = peak - before;
    console.log(`200 MB chunked body: status ${result.status ?? result.error}, RSS ${before.toFixed(1)} → peak ${peak.toFixed(1)} MiB (+${growth.toFixed(1)})`);
    if (result.status !== null) {
      expect(result.status).toBe(413);
      expect(result.body).toContain("larger than 2048 KB");
    } else {
      expect(["EPIPE", "ECONNRESET"]).toContain(result.error);
    }
    expect(growth).toBeLessThan(16);
    // Still healthy.
    expect((await fetch(`${app.url}/api/auth/status`)).status).toBe(200);
  });
});
