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

function endpointUrl(endpoint: AdminFile): string {
  const host = endpoint.host.includes(":") && !endpoint.host.startsWith("[") ? `[${endpoint.host}]` : endpoint.host;
  return `http://${host}:${endpoint.port}${ADMIN_COMMANDS_PATH}`;
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

async function refusal(response: Response): Promise<Error> {
  const body = adminErrorSchema.safeParse(await response.json().catch(() => null));
  const message = body.success ? body.data.error.message : `HTTP ${response.status}`;
  return new Error(`the server refused the command (${response.status}): ${message}`);
}

/**
 * Runs a command inside the server through its admin endpoint, replaying the
 * NDJSON events on `output` as they arrive; resolves the command's exit code.
 * Throws AdminUnreachableError when nothing listens there.
 */
export async function runOnServer(endpoint: AdminFile, token: string, request: CommandRequest, output: CliOutput): Promise<number> {
  const body: AdminCommandBody = { request, isTTY: output.isTTY };
  let response: Response;
  try {
    response = await fetch(endpointUrl(endpoint), {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new AdminUnreachableError(endpoint, error);
  }
  if (!response.ok || response.body === null) throw await refusal(response);
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of response.body) {
    pending += decoder.decode(chunk, { stream: true });
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      if (line.trim() === "") continue;
      const code = replay(line, output);
      if (code !== null) return code;
    }
  }
  throw new Error("the server closed the connection before the command finished; see the server's log");
}
