import "server-only";
import { chmodSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { isAlive } from "@/src/server/rag/store/lock";

/**
 * QUIRE_DATA_DIR/admin.json: how the CLI finds the admin endpoint of the server
 * that owns the data dir. Written at start (mode 0600, since it holds the per-start
 * token), removed at shutdown; one left by a killed server is recognised as stale.
 */
export const ADMIN_FILE_NAME = "admin.json";

export const adminFileSchema = z.object({
  pid: z.number().int().positive(),
  /** The address to connect to (a wildcard bind is published as loopback). */
  host: z.string().min(1),
  port: z.number().int().min(1).max(65_535),
  token: z.string().min(32),
  startedAt: z.string(),
});
export type AdminFile = z.infer<typeof adminFileSchema>;

export const adminFilePath = (dataDir: string): string => path.join(dataDir, ADMIN_FILE_NAME);

/** Writes the file atomically (a temporary file renamed over it), readable by its owner only. */
export function writeAdminFile(dataDir: string, content: AdminFile): void {
  const file = adminFilePath(dataDir);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(content)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

export type AdminDiscovery =
  | { state: "absent" }
  | { state: "stale"; reason: string }
  | { state: "live"; endpoint: AdminFile };

/** What admin.json says: no file, a file that cannot be right (unreadable, or its pid is gone), or a live server. */
export function discoverAdmin(dataDir: string): AdminDiscovery {
  const file = adminFilePath(dataDir);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { state: "absent" };
    return { state: "stale", reason: `${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})` };
  }
  let parsed;
  try {
    parsed = adminFileSchema.safeParse(JSON.parse(text));
  } catch {
    return { state: "stale", reason: `${file} is not valid JSON` };
  }
  if (!parsed.success) return { state: "stale", reason: `${file} is not a Quire admin file` };
  if (!isAlive(parsed.data.pid)) return { state: "stale", reason: `${file} is stale: its server (pid ${parsed.data.pid}) is not running` };
  return { state: "live", endpoint: parsed.data };
}

/** Removes the file if it is still this server's (a newer server may have replaced it). */
export function removeAdminFile(dataDir: string, token: string): void {
  const file = adminFilePath(dataDir);
  try {
    const current = adminFileSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (current.success && current.data.token === token) unlinkSync(file);
  } catch {
    // Gone already, or not ours to remove.
  }
}
