import { request as httpRequest, type IncomingMessage } from "node:http";
import type { CliOutput } from "@/cli/output";
import type { AdminFile } from "@/src/server/admin/admin-file";
import { ADMIN_COMMANDS_PATH, adminErrorSchema, commandEventSchema, type AdminCommandBody } from "@/src/server/admin/protocol";
import type { CommandRequest } from "@/src/server/commands/registry";

/** Nothing listens where admin.json points (a server that died, or one restarting). */
export class AdminUnreachableError extends Error {
  constructor(endpoint: AdminFile, cause: unknown) {
    super(`nothing answers at ${endpoint.host}:${endpoint.port}`, { cause });
    this.name = "AdminUnreachableError";
  }
}

/** Replays one event on the CLI's own output; resolves the exit code on `exit`, throws the command's error on `fail`. */
function replay(line: string, output: CliOutput): number | null {
  const parsed = commandEventSchema.safeParse(JSON.parse(line));
  if (!parsed.success) throw new Error("the server sent an event this CLI does not understand; are both the same version?");
  const event = parsed.data;
  switch (event.type) {
    case "log":
      output.log(event.line);
      return null;
    case "error":
      output.error(event.line);
      return null;
    case "write":
      output.write(event.text);
      return null;
    case "exit":
      return event.code;
    case "fail":
      throw new Error(event.message);
  }
}

async function refusal(response: IncomingMessage): Promise<Error> {
  let text = "";
  for await (const chunk of response as AsyncIterable<Buffer>) text += chunk.toString("utf8");
  let message = `HTTP ${response.statusCode}`;
  try {
    const body = adminErrorSchema.safeParse(JSON.parse(text));
    if (body.success) message = body.data.error.message;
  } catch {
    // Not our JSON: the status says enough.
  }
  return new Error(`the server refused the command (${response.statusCode}): ${message}`);
}

/** POSTs the body on a connection of its own (no keep-alive), so that the CLI exits as soon as the command has. */
function post(endpoint: AdminFile, token: string, body: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: endpoint.host.replace(/^\[(.*)\]$/, "$1"),
        port: endpoint.port,
        path: ADMIN_COMMANDS_PATH,
        method: "POST",
        agent: false,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      resolve,
    );
    outgoing.once("error", (error) => reject(new AdminUnreachableError(endpoint, error)));
    outgoing.end(body);
  });
}

/**
 * Runs a command inside the server through its admin endpoint, replaying the
 * NDJSON events on `output` as they arrive; resolves the command's exit code.
 * Throws AdminUnreachableError when nothing listens there.
 */
export async function runOnServer(endpoint: AdminFile, token: string, request: CommandRequest, output: CliOutput): Promise<number> {
  const body: AdminCommandBody = { request, isTTY: output.isTTY };
  const response = await post(endpoint, token, JSON.stringify(body));
  if (response.statusCode !== 200) throw await refusal(response);
  const decoder = new TextDecoder();
  let pending = "";
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        if (line.trim() === "") continue;
        const code = replay(line, output);
        if (code !== null) return code;
      }
    }
  } finally {
    response.destroy();
  }
  throw new Error("the server closed the connection before the command finished; see the server's log");
}
