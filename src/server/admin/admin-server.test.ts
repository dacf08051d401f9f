import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { adminFilePath, adminFileSchema } from "@/src/server/admin/admin-file";
import { startAdminServer, type AdminServer } from "@/src/server/admin/admin-server";
import type { CommandRequest } from "@/src/server/commands/registry";

const CONFIGURED = "configured-admin-token-0123456789abcdefgh";
const logs: string[] = [];
const logger = { info: (object: object, message: string) => logs.push(`${JSON.stringify(object)} ${message}`), warn: (object: object, message: string) => logs.push(`${JSON.stringify(object)} ${message}`) };

let admin: AdminServer | undefined;
afterEach(async () => {
  await admin?.close();
  admin = undefined;
});

/** A real server whose "command" writes one line of each kind, or throws for `status`. */
async function start(dataDir = mkdtempSync(path.join(tmpdir(), "quire-admin-server-"))) {
  const seen: CommandRequest[] = [];
  admin = await startAdminServer({
    host: "127.0.0.1",
    port: 0,
    dataDir,
    configuredToken: CONFIGURED,
    logger,
    run: async (request, output) => {
      seen.push(request);
      if (request.command === "status") throw new Error("the index is busy");
      output.error(`tty ${output.isTTY}`);
      output.write("\rprogress");
      output.log("result line");
      return 3;
    },
  });
  const file = adminFileSchema.parse(JSON.parse(readFileSync(adminFilePath(dataDir), "utf8")));
  return { dataDir, file, seen };
}

/** node:http so that the Host header can be set to anything (fetch does not allow it). */
function send(port: number, options: { host?: string; token?: string; body?: string; method?: string; contentType?: string; path?: string }): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: options.host ?? `127.0.0.1:${port}`, "content-type": options.contentType ?? "application/json" };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const outgoing = httpRequest({ host: "127.0.0.1", port, path: options.path ?? "/v1/commands", method: options.method ?? "POST", headers }, (response) => {
      let text = "";
      response.on("data", (chunk: Buffer) => (text += chunk.toString()));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
    });
    outgoing.on("error", reject);
    outgoing.end(options.body ?? "");
  });
}

const ingestBody = JSON.stringify({ request: { command: "ingest", args: {} }, isTTY: true });

describe("the admin endpoint", () => {
  it("publishes admin.json and streams the command's output as NDJSON, ending with its exit code", async () => {
    const { file, seen } = await start();
    expect(file).toMatchObject({ pid: process.pid, host: "127.0.0.1", port: admin?.port });
    const response = await send(file.port, { token: file.token, body: ingestBody });
    expect(response.status).toBe(200);
    expect(response.text.trim().split("\n").map((line) => JSON.parse(line) as unknown)).toEqual([
      { type: "error", line: "tty true" },
      { type: "write", text: "\rprogress" },
      { type: "log", line: "result line" },
      { type: "exit", code: 3 },
    ]);
    expect(seen).toEqual([{ command: "ingest", args: {} }]);
    // QUIRE_ADMIN_TOKEN works too; a thrown error becomes a `fail` event.
    const failed = await send(file.port, { token: CONFIGURED, body: JSON.stringify({ request: { command: "status", args: { json: false } }, isTTY: false }) });
    expect(failed.text.trim()).toBe(JSON.stringify({ type: "fail", message: "the index is busy" }));
  });

  it("refuses a missing or wrong token (401) and a non-loopback Host (403), running nothing", async () => {
    const { file, seen } = await start();
    for (const token of [undefined, "wrong", `${file.token}x`]) {
      const response = await send(file.port, { token, body: ingestBody });
      expect(response.status).toBe(401);
      expect(JSON.parse(response.text)).toMatchObject({ error: { code: "unauthorized" } });
    }
    const rebound = await send(file.port, { token: file.token, host: `attacker.example:${file.port}`, body: ingestBody });
    expect(rebound.status).toBe(403);
    const health = await send(file.port, { token: file.token, method: "GET", path: "/v1/health" });
    expect(JSON.parse(health.text)).toEqual({ pid: process.pid });
    expect(seen).toEqual([]);
    expect(logs.join("\n")).not.toContain(file.token);
  });

  it("answers bad input with 4xx JSON", async () => {
    const { file, seen } = await start();
    const cases: [Parameters<typeof send>[1], number, RegExp][] = [
      [{ body: "{" }, 400, /not valid JSON/],
      [{ body: JSON.stringify({ request: { command: "rm", args: {} }, isTTY: false }) }, 400, /malformed: request.command/],
      [{ body: JSON.stringify({ request: { command: "search", args: { question: 5, json: false } }, isTTY: false }) }, 400, /request.args.question/],
      [{ body: JSON.stringify({ request: { command: "ingest", args: { extra: 1 } }, isTTY: false }) }, 400, /malformed/],
      [{ body: ingestBody, contentType: "text/plain" }, 415, /application\/json/],
      [{ body: "x".repeat(70 * 1024) }, 413, /larger than 64 KB/],
      [{ body: ingestBody, method: "PUT" }, 405, /POST/],
      [{ body: ingestBody, path: "/v1/other" }, 404, /No such admin route/],
    ];
    for (const [options, status, message] of cases) {
      const response = await send(file.port, { token: file.token, ...options });
      expect(response.status, JSON.stringify(options).slice(0, 80)).toBe(status);
      expect((JSON.parse(response.text) as { error: { message: string } }).error.message).toMatch(message);
    }
    expect(seen).toEqual([]);
  });

  it("removes admin.json when it closes", async () => {
    const { dataDir } = await start();
    await admin?.close();
    admin = undefined;
    expect(existsSync(adminFilePath(dataDir))).toBe(false);
  });
});
