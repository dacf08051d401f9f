import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * Runs `quire ingest` in its own process, as `npm start` does (it takes the data-dir
 * lock and lets go). Asynchronous on purpose: the fake providers answering its
 * embedding calls usually live in the calling process.
 */
export async function ingestWithCli(env: NodeJS.ProcessEnv): Promise<void> {
  await promisify(execFile)(process.execPath, [path.join(root, "cli/quire.mjs"), "ingest"], { cwd: root, env });
}
