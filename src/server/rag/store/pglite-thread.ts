import "server-only";
import { Worker } from "node:worker_threads";
import path from "node:path";
import type { SqlClient, SqlExecutor } from "@/src/server/rag/store/sql-client";
import { pgliteOpenOptions } from "@/src/server/rag/store/pglite-client";
import type { PgliteReply, PgliteRequest, PgliteWorkerData, ReadyId, SerializedError } from "@/src/server/rag/store/pglite-thread-protocol";

const READY_ID: ReadyId = 0;

/** Distributes a request without its id over the union's members. */
type Request = PgliteRequest extends infer R ? (R extends PgliteRequest ? Omit<R, "id"> : never) : never;

/** The worker's error rebuilt in this thread: message, name and PostgreSQL's fields (`code` …), this thread's stack. */
function reviveError(serialized: SerializedError): Error {
  const error = new Error(serialized.message);
  error.name = serialized.name;
  return Object.assign(error, serialized.fields);
}

/** A worker script that registers tsx, resolved from the entry's own folder, and then imports the TypeScript entry. */
function sourceBootstrap(moduleUrl: string): string {
  // A string replace, not `new URL(…, import.meta.url)`: the bundler would publish the file it names as an asset.
  const href = JSON.stringify(moduleUrl.replace(/pglite-thread\.ts$/, "pglite-worker.ts"));
  // Only dynamic imports: the script runs as CommonJS or as a module, depending on the parent's loaders.
  // tsx's module build is taken from its package.json (`import` condition): its CommonJS build, imported, cannot register.
  return `Promise.all([import("node:module"), import("node:url"), import("node:path"), import("node:fs")])
    .then(([{ createRequire }, { pathToFileURL }, path, fs]) => {
      const manifest = createRequire(${href}).resolve("tsx/package.json");
      const api = JSON.parse(fs.readFileSync(manifest, "utf8")).exports["./esm/api"].import.default;
      return import(pathToFileURL(path.join(path.dirname(manifest), api)).href);
    })
    .then((tsx) => { tsx.register(); return import(${href}); });`;
}

/**
 * The embedded store on a worker thread of its own. PGlite runs PostgreSQL on the
 * thread that calls it, so on the main thread every query of every request held up
 * the event loop that relays the answers; here the queries run beside it, on the
 * second core, and the main thread only posts messages. Same SQL surface as
 * pglite-client.ts; the caller holds the data-dir lock.
 */
export async function openPgliteThreadClient(dataDir: string | undefined): Promise<SqlClient> {
  const workerData: PgliteWorkerData = pgliteOpenOptions(dataDir === undefined ? undefined : path.resolve(/*turbopackIgnore: true*/ dataDir));
  // In the Next.js server (NEXT_RUNTIME is set) the bundler has compiled the worker entry: it does
  // so when it meets exactly `new Worker(new URL("…", import.meta.url))`. Run from source (tests,
  // scripts), the entry is TypeScript, loaded through the tsx installed beside it (a worker ignores
  // `--import`). import.meta.url cannot tell the two apart: the bundle reports the source path.
  const worker =
    process.env.NEXT_RUNTIME === "nodejs"
      ? new Worker(new URL("./pglite-worker.ts", import.meta.url), { workerData })
      : new Worker(sourceBootstrap(import.meta.url), { eval: true, workerData });

  const pending = new Map<number, { resolve: (reply: PgliteReply & { ok: true }) => void; reject: (error: Error) => void }>();
  let nextId = READY_ID + 1;
  let stopped: Error | undefined;
  const stopAll = (error: Error) => {
    stopped ??= error;
    for (const { reject } of pending.values()) reject(stopped);
    pending.clear();
  };
  const ready = new Promise<void>((resolve, reject) => {
    pending.set(READY_ID, { resolve: () => resolve(), reject });
  });
  worker.on("message", (reply: PgliteReply) => {
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    if (reply.ok) waiting.resolve(reply);
    else waiting.reject(reviveError(reply.error));
  });
  let opened = false;
  let closing = false;
  worker.on("error", (error) => stopAll(new Error(`The embedded database's thread failed: ${error.message}`, { cause: error })));
  worker.on("exit", (code) => {
    stopAll(new Error(`The embedded database's thread has stopped (exit code ${code}).`));
    // On the main thread a crashed PGlite took the process down, and a supervisor started it again;
    // a server that stayed up without its database would fail every request instead.
    if (opened && !closing) {
      throw stopped ?? new Error("The embedded database's thread has stopped.");
    }
  });

  const send = (request: Request): Promise<PgliteReply & { ok: true }> => {
    if (stopped) return Promise.reject(stopped);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...request, id } satisfies PgliteRequest);
    });
  };
  const executor = (tx: number | undefined): SqlExecutor => ({
    query: async (text, params) => (await send({ op: "query", text, params, tx })).rows ?? [],
    exec: async (text) => {
      await send({ op: "exec", text, tx });
    },
    copyFrom: async (text, data) => {
      await send({ op: "copy", text, data, tx });
    },
  });

  try {
    await ready;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  opened = true;
  return {
    kind: "pglite",
    ...executor(undefined),
    nearestInSpace: async (text, params, query) => (await send({ op: "nearest", text, params, query })).rows ?? [],
    termLists: async (text, params, terms) => (await send({ op: "lists", text, params, terms })).rows ?? [],
    keyedRows: async (text, params, read) => (await send({ op: "keyed", text, params, ...read })).rows ?? [],
    chunkRows: async (text, params, ids) => (await send({ op: "rows", text, params, ids })).rows ?? [],
    async transaction(work) {
      const { tx } = await send({ op: "begin" });
      if (tx === undefined) throw new Error("the embedded database opened no transaction");
      let result;
      try {
        result = await work(executor(tx));
      } catch (error) {
        await send({ op: "end", tx, commit: false }).catch(() => undefined);
        throw error;
      }
      await send({ op: "end", tx, commit: true });
      return result;
    },
    async close() {
      closing = true;
      if (stopped) return;
      await send({ op: "close" }).catch(() => undefined);
      await worker.terminate();
    },
  };
}
