import type { CliOutput } from "@/cli/output";
import { AdminUnreachableError, runOnServer } from "@/cli/admin-client";
import { adminFilePath, discoverAdmin, type AdminFile } from "@/src/server/admin/admin-file";
import { runCommand, type CommandRequest } from "@/src/server/commands/registry";
import { localStores } from "@/src/server/commands/stores";
import { env } from "@/src/server/env";
import { StoreLockedError } from "@/src/server/rag/store";

/**
 * Runs a command here, or hands it to the running server when that server owns
 * the embedded store: admin.json names a live server, or opening the store finds
 * the server's lock. The server runs the same command code on its own store and
 * streams the output back. With DATABASE_URL the CLI always works directly.
 */
export async function runCommandHere(request: CommandRequest, output: CliOutput): Promise<number> {
  const local = () => runCommand(request, { stores: localStores, output });
  const settings = env();
  if (settings.DATABASE_URL !== undefined) return local();
  const found = discoverAdmin(settings.dataDir);
  if (found.state === "live") {
    const code = await handOff(found.endpoint, request, output);
    if (code !== null) return code;
  } else if (found.state === "stale") {
    output.error(`quire: ${found.reason}; running locally.`);
  }
  try {
    return await local();
  } catch (error) {
    if (!(error instanceof StoreLockedError) || error.holder.purpose !== "server") throw error;
    // A server that started meanwhile, or one that has not published its endpoint.
    const again = discoverAdmin(settings.dataDir);
    const code = again.state === "live" ? await handOff(again.endpoint, request, output) : null;
    if (code !== null) return code;
    throw new Error(`${error.message} Its admin endpoint is not available (${adminFilePath(settings.dataDir)}), so this command cannot run through it.`, { cause: error });
  }
}

/** The command's exit code from the server, or null when nothing answers there (the caller runs it locally). */
async function handOff(endpoint: AdminFile, request: CommandRequest, output: CliOutput): Promise<number | null> {
  output.error(`quire: the server (pid ${endpoint.pid}) owns the data dir; running \`quire ${request.command}\` through it.`);
  const detach = (): void => {
    output.error("\nquire: detached. The server carries on with the command (see its log); `quire status` shows the result.");
    // Die of the signal, as a shell expects (status 130), now that the message is out.
    process.kill(process.pid, "SIGINT");
  };
  process.once("SIGINT", detach);
  try {
    return await runOnServer(endpoint, env().QUIRE_ADMIN_TOKEN ?? endpoint.token, request, output);
  } catch (error) {
    if (!(error instanceof AdminUnreachableError)) throw error;
    output.error(`quire: admin.json is stale (${error.message}); running locally.`);
    return null;
  } finally {
    process.off("SIGINT", detach);
  }
}
