import "server-only";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { checkAdminRequest, type AdminAccess } from "@/src/server/admin/admin-auth";
import { removeAdminFile, writeAdminFile } from "@/src/server/admin/admin-file";
import {
  ADMIN_COMMANDS_PATH,
  ADMIN_HEALTH_PATH,
  ADMIN_MAX_BODY_BYTES,
  adminCommandBodySchema,
  type CommandEvent,
} from "@/src/server/admin/protocol";
import type { CommandOutput } from "@/src/server/commands/output";
import type { CommandRequest } from "@/src/server/commands/registry";
import { isLoopbackHost } from "@/src/server/env";

type AdminLogger = { [Level in "info" | "warn"]: (object: object, message: string) => void };

export interface AdminServerOptions {
  host: string;
  /** 0: an ephemeral port. */
  port: number;
  /** Where admin.json is written. */
  dataDir: string;
  /** QUIRE_ADMIN_TOKEN, accepted besides the per-start token. */
  configuredToken?: string;
  /** Runs a command inside this process, writing to `output`; resolves its exit code. */
  run: (request: CommandRequest, output: CommandOutput) => Promise<number>;
  logger: AdminLogger;
}

export interface AdminServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  response.end(JSON.stringify(body));
}

const sendError = (response: ServerResponse, status: number, code: string, message: string): void =>
  sendJson(response, status, { error: { code, message } });

/** The body as text, or null once it passes the limit (nothing more is buffered). */
async function readBody(request: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > ADMIN_MAX_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A command's output as NDJSON events; once the client has gone, writes are dropped and the command carries on. */
function streamedOutput(response: ServerResponse, isTTY: boolean): CommandOutput & { send(event: CommandEvent): void } {
  const send = (event: CommandEvent): void => {
    if (!response.destroyed && !response.writableEnded) response.write(`${JSON.stringify(event)}\n`);
  };
  return {
    isTTY,
    log: (line) => send({ type: "log", line }),
    error: (line) => send({ type: "error", line }),
    write: (text) => send({ type: "write", text }),
    send,
  };
}

async function handleCommand(request: IncomingMessage, response: ServerResponse, options: AdminServerOptions): Promise<void> {
  if (request.method !== "POST") return sendError(response, 405, "method_not_allowed", `Use POST ${ADMIN_COMMANDS_PATH}.`);
  if (!/^application\/json\s*(;|$)/i.test(request.headers["content-type"] ?? "")) {
    return sendError(response, 415, "unsupported_media_type", "Send Content-Type: application/json.");
  }
  const text = await readBody(request);
  if (text === null) return sendError(response, 413, "too_large", `The request body is larger than ${ADMIN_MAX_BODY_BYTES / 1024} KB.`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return sendError(response, 400, "bad_request", "The request body is not valid JSON.");
  }
  const body = adminCommandBodySchema.safeParse(json);
  if (!body.success) {
    const issues = body.error.issues.map((issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`).join("; ");
    return sendError(response, 400, "bad_request", `The command request is malformed: ${issues}`);
  }
  const { command } = body.data.request;
  response.writeHead(200, { "content-type": "application/x-ndjson", "cache-control": "no-store", "x-content-type-options": "nosniff" });
  response.flushHeaders();
  response.once("close", () => {
    if (!response.writableEnded) options.logger.info({ command }, "the admin client went away; the command carries on");
  });
  const output = streamedOutput(response, body.data.isTTY);
  try {
    const code = await options.run(body.data.request, output);
    output.send({ type: "exit", code });
    options.logger.info({ command, code }, "admin command finished");
  } catch (error) {
    output.send({ type: "fail", message: (error as Error).message });
    options.logger.warn({ command, err: error }, "admin command failed");
  }
  response.end();
}

/** The address the CLI connects to: a wildcard bind is reached on loopback. */
function connectHost(host: string): string {
  return host === "0.0.0.0" || host === "::" || host === "[::]" ? "127.0.0.1" : host;
}

/**
 * Starts the admin endpoint (README "The admin endpoint") and publishes it in
 * admin.json with a fresh random token; close() stops it and removes the file.
 */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const token = randomBytes(32).toString("base64url");
  const loopbackOnly = isLoopbackHost(options.host);
  const access: AdminAccess = { port: 0, loopbackOnly, tokens: options.configuredToken ? [token, options.configuredToken] : [token] };
  const server = createServer((request, response) => {
    const denial = checkAdminRequest({ host: request.headers.host, authorization: request.headers.authorization }, access);
    if (denial !== null) return sendError(response, denial.status, denial.code, denial.message);
    const path = (request.url ?? "").split("?")[0];
    if (path === ADMIN_HEALTH_PATH) return sendJson(response, 200, { pid: process.pid });
    if (path !== ADMIN_COMMANDS_PATH) return sendError(response, 404, "not_found", "No such admin route.");
    handleCommand(request, response, options).catch((error: unknown) => {
      options.logger.warn({ err: error }, "admin request failed");
      if (!response.headersSent) sendError(response, 500, "internal", "The admin request failed.");
      else response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host.replace(/^\[(.*)\]$/, "$1"), () => resolve());
  });
  access.port = (server.address() as AddressInfo).port;
  const host = connectHost(options.host);
  writeAdminFile(options.dataDir, { pid: process.pid, host, port: access.port, token, startedAt: new Date().toISOString() });
  const removeFile = (): void => removeAdminFile(options.dataDir, token);
  process.once("exit", removeFile);
  options.logger.info({ host: options.host, port: access.port, tokenFrom: "admin.json" }, "admin endpoint listening");
  return {
    host,
    port: access.port,
    close: () =>
      new Promise<void>((resolve) => {
        removeFile();
        process.off("exit", removeFile);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
