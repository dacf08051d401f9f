import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retrieveForChat } from "@/src/server/rag/retrieve/retrieve-for-chat";
import { createKnowledgeStore } from "@/src/server/rag/store/knowledge-store";
import type { KnowledgeStore } from "@/src/server/rag/store";
import { openPgliteClient } from "@/src/server/rag/store/pglite-client";
import { migrate } from "@/src/server/rag/store/schema";
import type { SqlClient, SqlExecutor } from "@/src/server/rag/store/sql-client";
import { fakeEmbedding } from "@/test/fakes/embedding";
import { writeLexicalFixtures } from "@/test/integration/support/lexical-fixtures";

/**
 * The statements one chat turn's retrieval sends to the store. On PGlite every
 * one queues behind the other chats' on its single thread, and on PostgreSQL each
 * is a network round trip, so the count is part of retrieval's cost (issue 11).
 */

interface CountingClient extends SqlClient {
  statements: string[];
}

function counting(client: SqlClient): CountingClient {
  const statements: string[] = [];
  const wrap = (target: SqlExecutor): SqlExecutor => ({
    query: (text, params) => (statements.push(text), target.query(text, params)),
    exec: (text) => (statements.push(text), target.exec(text)),
  });
  return {
    kind: client.kind,
    statements,
    ...wrap(client),
    // A transaction is one BEGIN and one COMMIT more, counted with its statements.
    transaction: (work) => {
      statements.push("BEGIN");
      return client.transaction((executor) => work(wrap(executor))).finally(() => statements.push("COMMIT"));
    },
    close: () => client.close(),
  };
}

const embedQuery = async (text: string) => ({ embedding: fakeEmbedding(text), model: "fake/bge-m3-hash" });

describe("round trips per retrieveForChat (PGlite)", () => {
  let client: CountingClient;
  let store: KnowledgeStore;

  beforeAll(async () => {
    const raw = await openPgliteClient(undefined);
    await migrate(raw);
    client = counting(raw);
    store = createKnowledgeStore(client, { location: "memory", readOnly: false, exclusive: (work) => work() });
    await writeLexicalFixtures(store);
    await store.useEmbeddingSpace({ model: "fake/bge-m3-hash", dimensions: fakeEmbedding("x").length });
    const pending = await store.pendingEmbeddings(1000);
    await store.saveEmbeddings(pending.map((row) => ({ chunkId: row.id, embedding: fakeEmbedding(row.text) })));
    await store.refreshLexicon();
  });
  afterAll(() => store?.close());

  async function statementsOf(question: string, withVectors: boolean): Promise<{ count: number; mode: string }> {
    client.statements.length = 0;
    const result = await retrieveForChat({ store, messages: [{ role: "user", text: question }], embedQuery: withVectors ? embedQuery : null });
    return { count: client.statements.length, mode: result.mode };
  }

  it("sends 3 statements for a hybrid turn (vector search with its space check; full text: the posting lists, the k rows) and 2 for full text alone", async () => {
    expect(await statementsOf("count the data rows per node", true)).toEqual({ count: 3, mode: "hybrid" });
    expect(await statementsOf("count the data rows per node", false)).toEqual({ count: 2, mode: "fulltext" });
  });

  it("sends 3 more for a corrected typo (candidates, rescoring from the lists) and 1 more for re-embedding the corrected question", async () => {
    const typo = await statementsOf("count the data rwos per nodde", true);
    expect(typo.mode).toBe("hybrid");
    expect(typo.count).toBe(7);
  });
});
