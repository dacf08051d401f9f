// The worker thread that owns the embedded database (started by pglite-thread.ts). It has no
// `import "server-only"`: a worker entry is not rendered by React, and the guard's plain-Node
// export throws. Nothing but this thread's parent can reach it.
import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import type { PGlite, Transaction } from "@electric-sql/pglite";
import { openPglite } from "./pglite-setup";
import type { PgliteReply, PgliteRequest, PgliteWorkerData, ReadyId, SerializedError } from "./pglite-thread-protocol";
import { createReadCache, createSearchEpoch, SEARCH_CHANNEL, keyedRead } from "./search-memory";
import { createVectorMemory } from "./vector-memory";

const READY_ID: ReadyId = 0;

if (!parentPort) throw new Error("pglite-worker.ts runs as a worker thread only");
const port: MessagePort = parentPort;
const openOptions = workerData as PgliteWorkerData;

function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error), fields: {} };
  const fields: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(error)) {
    if (typeof value === "string" || typeof value === "number") fields[key] = value;
  }
  return { name: error.name, message: error.message, fields };
}

const reply = (message: PgliteReply) => port.postMessage(message);
const fail = (id: number, error: unknown) => reply({ id, ok: false, error: serializeError(error) });

/** Thrown inside a transaction's callback to make PGlite roll it back. */
class Rollback extends Error {}

interface OpenTransaction {
  tx: Transaction;
  end: (commit: boolean) => void;
  done: Promise<void>;
}

function open(): Promise<PGlite> {
  return openPglite(openOptions);
}

async function serve(database: PGlite): Promise<void> {
  const transactions = new Map<number, OpenTransaction>();
  let nextTransaction = 1;
  const target = (tx: number | undefined): PGlite | Transaction => {
    if (tx === undefined) return database;
    const open = transactions.get(tx);
    if (!open) throw new Error(`transaction ${tx} is not open`);
    return open.tx;
  };

  const begin = (id: number) => {
    const name = nextTransaction++;
    let end: (commit: boolean) => void = () => undefined;
    const ended = new Promise<boolean>((resolve) => (end = resolve));
    let started = false;
    const done = database
      .transaction(async (tx) => {
        started = true;
        transactions.set(name, { tx, end, done });
        reply({ id, ok: true, tx: name });
        if (!(await ended)) throw new Rollback();
      })
      .catch((error: unknown) => {
        if (error instanceof Rollback) return;
        if (!started) fail(id, error);
        else throw error;
      })
      .finally(() => transactions.delete(name));
  };

  const query = async (text: string, params?: unknown[]) => (await database.query<Record<string, unknown>>(text, params)).rows;
  const epoch = createSearchEpoch(query);
  // Every write that could change a search's answer is announced (search-memory.ts); without the
  // subscription nothing may be kept, so a database that refuses it answers every read in SQL.
  const listening = await database.listen(SEARCH_CHANNEL, () => epoch.changed()).then(
    () => true,
    () => false,
  );
  const vectors = listening ? createVectorMemory(query, epoch) : null;
  const cache = listening ? createReadCache(epoch) : null;
  // The statement as sent, or for some keys only: the keyed reads take their keys as the first parameter.
  const sql =
    (request: { text: string; params: unknown[] }) =>
    (keys?: readonly string[]) =>
      query(request.text, keys === undefined ? request.params : [keys, ...request.params.slice(1)]);

  port.on("message", (request: PgliteRequest) => {
    void (async () => {
      try {
        switch (request.op) {
          case "query": {
            const result = await target(request.tx).query<Record<string, unknown>>(request.text, request.params);
            return reply({ id: request.id, ok: true, rows: result.rows });
          }
          case "nearest": {
            const rows = vectors ? await vectors.nearest(request.query, () => sql(request)()) : await sql(request)();
            return reply({ id: request.id, ok: true, rows });
          }
          case "lists": {
            const rows = cache ? await cache.lists(request.terms, sql(request)) : await sql(request)();
            return reply({ id: request.id, ok: true, rows });
          }
          case "keyed": {
            const rows = cache ? await cache.keyed(keyedRead(request.text, request.params, request), sql(request)) : await sql(request)();
            return reply({ id: request.id, ok: true, rows });
          }
          case "rows": {
            const chunks = { keys: request.ids, column: "id", keepEmpty: false };
            const read = cache ? () => cache.keyed(keyedRead(request.text, request.params, chunks), sql(request)) : () => sql(request)();
            const rows = vectors ? await vectors.chunkRows(request.ids, read) : await read();
            return reply({ id: request.id, ok: true, rows });
          }
          case "exec":
            await target(request.tx).exec(request.text);
            return reply({ id: request.id, ok: true });
          case "copy":
            await target(request.tx).query(request.text, [], { blob: new Blob([request.data]) });
            return reply({ id: request.id, ok: true });
          case "begin":
            return begin(request.id);
          case "end": {
            const open = transactions.get(request.tx);
            if (!open) throw new Error(`transaction ${request.tx} is not open`);
            open.end(request.commit);
            await open.done;
            return reply({ id: request.id, ok: true });
          }
          case "close":
            await database.close();
            reply({ id: request.id, ok: true });
            return port.close();
        }
      } catch (error) {
        fail(request.id, error);
      }
    })();
  });
}

open().then(
  async (database) => {
    await serve(database);
    reply({ id: READY_ID, ok: true });
  },
  (error: unknown) => fail(READY_ID, error),
);
