import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPgliteClient } from "@/src/server/rag/store/pglite-client";
import { migrate } from "@/src/server/rag/store/schema";
import type { SqlClient } from "@/src/server/rag/store/sql-client";
import { buildVectorIndex, createVectorTable, dropVectorIndex, DEFAULT_EF_SEARCH } from "@/src/server/rag/store/vector-table";

/** The HNSW index is built with Quire's graph parameters (vector-table.ts), whichever way it comes to exist. */
describe("the HNSW index (PGlite)", () => {
  let client: SqlClient;
  beforeAll(async () => {
    client = await openPgliteClient(undefined);
    await migrate(client);
  });
  afterAll(() => client?.close());

  const options = async () =>
    (await client.query("SELECT reloptions FROM pg_class WHERE relname = 'chunk_vectors_hnsw'"))[0]?.reloptions ?? null;

  it("has m 48 and ef_construction 128 when the vector table is created, and again after a bulk load rebuilds it", async () => {
    await createVectorTable(client, { model: "m", dimensions: 4 });
    expect(await options()).toEqual(["m=48", "ef_construction=128"]);
    await client.transaction((executor) => dropVectorIndex(executor));
    expect(await options()).toBeNull();
    await buildVectorIndex(client);
    expect(await options()).toEqual(["m=48", "ef_construction=128"]);
  });

  it("rebuilds an index built with other parameters (before an upgrade), and leaves a current one alone", async () => {
    await client.exec("DROP INDEX chunk_vectors_hnsw; CREATE INDEX chunk_vectors_hnsw ON chunk_vectors USING hnsw (embedding vector_cosine_ops)");
    expect(await options()).toBeNull();
    const oid = async () => (await client.query("SELECT to_regclass('chunk_vectors_hnsw')::oid::int AS oid"))[0]?.oid;
    await buildVectorIndex(client);
    expect(await options()).toEqual(["m=48", "ef_construction=128"]);
    const rebuilt = await oid();
    await buildVectorIndex(client);
    expect(await oid()).toBe(rebuilt);
  });

  it("searches with ef_search at Quire's default in every session", async () => {
    const [setting] = await client.query("SELECT current_setting('hnsw.ef_search') AS value");
    expect(Number(setting?.value)).toBe(DEFAULT_EF_SEARCH);
  });
});
