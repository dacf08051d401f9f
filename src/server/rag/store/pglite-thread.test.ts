import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openPgliteThreadClient } from "@/src/server/rag/store/pglite-thread";
import { resetEnvForTests } from "@/src/server/env";
import type { SqlClient } from "@/src/server/rag/store/sql-client";

// One database for the tests that use tables of their own (opening one costs about two seconds).
let shared: SqlClient;
beforeAll(async () => {
  shared = await openPgliteThreadClient(undefined);
}, 60_000);
afterAll(() => shared.close());
const open = async () => shared;

describe("the embedded database on a worker thread", () => {
  it("runs parameterised queries and scripts, with pgvector and ef_search set up", async () => {
    const client = await open();
    await client.exec("CREATE TABLE items (id int PRIMARY KEY, label text, embedding vector(3)); INSERT INTO items VALUES (1, 'one', '[1,0,0]');");
    await client.query("INSERT INTO items VALUES ($1, $2, $3)", [2, "two", "[0,1,0]"]);
    const rows = await client.query("SELECT id, label FROM items ORDER BY embedding <-> $1 LIMIT 1", ["[0,0.9,0]"]);
    expect(rows).toEqual([{ id: 2, label: "two" }]);
    const [setting] = await client.query("SELECT current_setting('hnsw.ef_search') AS value");
    expect(Number(setting?.value)).toBeGreaterThan(40);
    // A new, in-memory database keeps PostgreSQL's buffer pool (QUIRE_PGLITE_SHARED_BUFFERS=auto).
    expect(await client.query("SHOW shared_buffers")).toEqual([{ shared_buffers: "128MB" }]);
  });

  it("opens with the buffer pool QUIRE_PGLITE_SHARED_BUFFERS asks for", { timeout: 60_000 }, async () => {
    process.env.QUIRE_PGLITE_SHARED_BUFFERS = "192MB";
    resetEnvForTests();
    try {
      const client = await openPgliteThreadClient(undefined);
      expect(await client.query("SHOW shared_buffers")).toEqual([{ shared_buffers: "192MB" }]);
      await client.close();
    } finally {
      delete process.env.QUIRE_PGLITE_SHARED_BUFFERS;
      resetEnvForTests();
    }
  });

  it("takes a vector parameter in pgvector's binary form, in and out of a transaction, and text ones still", async () => {
    const client = await open();
    const { encodeVectorParam } = await import("@/src/server/rag/store/vector-copy");
    const sql = "SELECT $1::vector::text AS v";
    expect(await client.query(sql, [encodeVectorParam([0.5, -0.25, 3])])).toEqual([{ v: "[0.5,-0.25,3]" }]);
    expect(await client.transaction((tx) => tx.query(sql, [encodeVectorParam([1, 2])]))).toEqual([{ v: "[1,2]" }]);
    expect(await client.query(sql, ["[1,2]"])).toEqual([{ v: "[1,2]" }]);
  });

  it("runs a binary COPY from a blob, inside a transaction and outside one", async () => {
    const client = await open();
    await client.exec("CREATE TABLE copied (id bigint, embedding vector(2))");
    // Two rows in PostgreSQL's binary COPY format (vector-copy.ts writes the same for the store).
    const { encodeVectorCopy } = await import("@/src/server/rag/store/vector-copy");
    const data = encodeVectorCopy([{ chunkId: "1", embedding: [0.5, 0.25] }, { chunkId: "2", embedding: [1, 0] }]);
    await client.copyFrom!("COPY copied FROM '/dev/blob' WITH (FORMAT binary)", data);
    await client.transaction((tx) => tx.copyFrom!("COPY copied FROM '/dev/blob' WITH (FORMAT binary)", data));
    const rows = await client.query("SELECT id::int AS id, embedding::text AS embedding FROM copied ORDER BY id, embedding");
    expect(rows).toEqual([
      { id: 1, embedding: "[0.5,0.25]" },
      { id: 1, embedding: "[0.5,0.25]" },
      { id: 2, embedding: "[1,0]" },
      { id: 2, embedding: "[1,0]" },
    ]);
    await expect(client.copyFrom!("COPY copied FROM '/dev/blob' WITH (FORMAT binary)", new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: "22P04" });
  });

  it("commits a transaction's work, and rolls it back when the work throws", async () => {
    const client = await open();
    await client.exec("CREATE TABLE t (n int)");
    const result = await client.transaction(async (tx) => {
      await tx.query("INSERT INTO t VALUES ($1)", [1]);
      return (await tx.query("SELECT count(*)::int AS n FROM t"))[0]?.n;
    });
    expect(result).toBe(1);
    await expect(
      client.transaction(async (tx) => {
        await tx.query("INSERT INTO t VALUES ($1)", [2]);
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect(await client.query("SELECT n FROM t ORDER BY n")).toEqual([{ n: 1 }]);
  });

  it("keeps PostgreSQL's error fields (SQLSTATE code) across the thread", async () => {
    const client = await open();
    const failure = await client.query("SELECT * FROM missing_table").catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).toMatchObject({ code: "42P01", message: expect.stringContaining("missing_table") });
    // A failed statement inside a transaction rolls the whole transaction back.
    await client.exec("CREATE TABLE u (n int)");
    await expect(
      client.transaction(async (tx) => {
        await tx.query("INSERT INTO u VALUES (1)");
        await tx.query("INSERT INTO u VALUES ('not a number')");
      }),
    ).rejects.toMatchObject({ code: "22P02" });
    expect(await client.query("SELECT * FROM u")).toEqual([]);
  });

  it("does not let a query outside a transaction see the transaction's uncommitted rows", async () => {
    const client = await open();
    await client.exec("CREATE TABLE v (n int)");
    let outside: Record<string, unknown>[] | undefined;
    await client.transaction(async (tx) => {
      await tx.query("INSERT INTO v VALUES (1)");
      // Sent while the transaction is open; PGlite runs it after the commit.
      const pending = client.query("SELECT count(*)::int AS n FROM v").then((rows) => (outside = rows));
      await tx.query("INSERT INTO v VALUES (2)");
      expect(outside).toBeUndefined();
      void pending;
    });
    await expect.poll(() => outside).toEqual([{ n: 2 }]);
  });

  // Two databases opened one after the other: seconds each on a busy machine.
  it("keeps its data in a directory across a close and a reopen, and refuses queries once closed", { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "quire-thread-"));
    try {
      const first = await openPgliteThreadClient(path.join(dir, "index"));
      await first.exec("CREATE TABLE kept (n int); INSERT INTO kept VALUES (7);");
      await first.close();
      await expect(first.query("SELECT 1")).rejects.toThrow(/stopped/);
      const second = await openPgliteThreadClient(path.join(dir, "index"));
      expect(await second.query("SELECT n FROM kept")).toEqual([{ n: 7 }]);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
