import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore, StoreError, type KnowledgeStore } from "@/src/server/rag/store";
import { createKnowledgeStore } from "@/src/server/rag/store/knowledge-store";
import { openPgliteClient } from "@/src/server/rag/store/pglite-client";
import { connectPostgres } from "@/src/server/rag/store/postgres-client";
import { migrate } from "@/src/server/rag/store/schema";
import type { SqlClient } from "@/src/server/rag/store/sql-client";
import { lexicalQuestions, writeLexicalFixtures } from "@/test/integration/support/lexical-fixtures";
import { freePort } from "@/test/support/net";
import { extensionControlFileExists, postgresql, startPostgresServer, type PostgresServer } from "@/test/support/postgres-server";

/**
 * The `pg` path against a real PostgreSQL: the newest Debian PostgreSQL found
 * under /usr/lib/postgresql (Debian has no pgvector package, so usually without
 * it). A throwaway cluster is started as the `postgres` user on a free port and
 * removed afterwards. Without pgvector `openStore` refuses, so the lexical index
 * (migrations 1 and 2 need only pg_trgm) is checked through `connectPostgres`
 * against the PGlite store: the same SQL must rank the same on both engines.
 */
const { skipReason, installation } = postgresql;
const version = installation?.version ?? "?";
const binaries = installation?.binaries ?? "/usr/lib/postgresql";

/**
 * Whether the server will list pgvector in pg_available_extensions, which reads the
 * control files of its share directory. Known before the server starts, so the test
 * title can say it; the test itself asks the running server.
 */
const pgvectorExpected = installation !== null && extensionControlFileExists(installation, "vector");

describe.skipIf(skipReason !== null)(
  skipReason === null
    ? `PostgreSQL ${version} (${binaries}, ${pgvectorExpected ? "with" : "without"} pgvector)`
    : `real PostgreSQL (skipped: ${skipReason})`,
  () => {
    let server: PostgresServer;
    const databaseUrl = (database = "postgres") => server.url(database);

    beforeAll(async () => {
      server = await startPostgresServer();
    }, 120_000);

    afterAll(() => server?.stop());

    it(
      pgvectorExpected
        ? `fails with a clear "pgvector extension is not installed" error (skipped: pgvector is installed on PostgreSQL ${version})`
        : 'fails with a clear "pgvector extension is not installed" error',
      async ({ skip }) => {
        const client = await connectPostgres(databaseUrl());
        const rows = await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").finally(() => client.close());
        skip(rows.length > 0, `pgvector is available on PostgreSQL ${version}, so openStore does not refuse`);
        const attempt = openStore({ databaseUrl: databaseUrl() });
        await expect(attempt).rejects.toThrow(StoreError);
        await expect(attempt).rejects.toMatchObject({ reason: "pgvector_missing" });
        await expect(attempt).rejects.toThrow(/The pgvector extension is not installed on the PostgreSQL server at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1/);
      },
    );

    it("names an unreachable server without leaking the password", async () => {
      const attempt = openStore({ databaseUrl: `postgres://postgres:secret@127.0.0.1:${await freePort()}/postgres` });
      await expect(attempt).rejects.toMatchObject({ reason: "unreachable" });
      await expect(attempt).rejects.not.toThrow(/secret/);
      await expect(connectPostgres(`postgres://postgres:secret@127.0.0.1:${await freePort()}/postgres`)).rejects.toMatchObject({
        reason: "unreachable",
      });
    });

    describe("the full-text index, compared with PGlite", () => {
      let client: SqlClient;
      let pgliteClient: SqlClient;
      let postgres: KnowledgeStore;
      let pglite: KnowledgeStore;

      beforeAll(async () => {
        // A database of its own, so the pgvector test above sees a pristine server.
        const admin = await connectPostgres(databaseUrl());
        await admin.exec("CREATE DATABASE quire_lexical").finally(() => admin.close());
        client = await connectPostgres(databaseUrl("quire_lexical"));
        await migrate(client);
        postgres = createKnowledgeStore(client, { location: databaseUrl("quire_lexical"), readOnly: false, exclusive: (work) => work() });
        // PGlite built the way openStore({ inMemory: true }) builds it, keeping its client for raw SQL.
        pgliteClient = await openPgliteClient(undefined);
        await migrate(pgliteClient);
        pglite = createKnowledgeStore(pgliteClient, { location: "memory", readOnly: false, exclusive: (work) => work() });
        await writeLexicalFixtures(postgres);
        await writeLexicalFixtures(pglite);
      });
      afterAll(async () => {
        await postgres?.close();
        await pglite?.close();
      });

      it("migrates without pgvector and writes the same postings and vocabulary", async () => {
        const extensions = await client.query("SELECT extname FROM pg_extension WHERE extname IN ('pg_trgm', 'vector') ORDER BY extname");
        expect(extensions.map((row) => row.extname)).toEqual(["pg_trgm"]);
        // bigint comes back as a string from pg and a number from PGlite: cast so the rows compare as they are.
        for (const sql of [
          `SELECT term, chunk_id::text AS chunk_id, tf_title::float8 AS tf_title, tf_heading::float8 AS tf_heading,
                  tf_body::float8 AS tf_body, body_length, word FROM chunk_terms ORDER BY term, chunk_id`,
          "SELECT term, df, word FROM lexicon ORDER BY term",
          "SELECT id::text AS id, body_terms FROM chunks ORDER BY id",
        ]) {
          const onPostgres = await client.query(sql);
          expect(onPostgres.length).toBeGreaterThan(0);
          expect(onPostgres).toEqual(await pgliteClient.query(sql));
        }
      });

      it.each(lexicalQuestions)("ranks %j with the same ids, scores and terms", async (question) => {
        const [expected, actual] = await Promise.all([pglite.searchText(question, 20), postgres.searchText(question, 20)]);
        expect(actual.chunks).toBe(expected.chunks);
        expect(actual.terms).toEqual(expected.terms);
        expect(actual.hits.map((hit) => [hit.id, hit.path, hit.heading, hit.matchedTerms])).toEqual(
          expected.hits.map((hit) => [hit.id, hit.path, hit.heading, hit.matchedTerms]),
        );
        actual.hits.forEach((hit, index) => expect(hit.score).toBeCloseTo(expected.hits[index]!.score, 4));
      });

      it("corrects a typo on PostgreSQL too", async () => {
        const result = await postgres.searchText("where is the bukcet", 5);
        expect(result.terms).toMatchObject([{ term: "bucket", correctedFrom: "bukcet", correctedWord: "bucket" }]);
        expect(result.hits.map((hit) => hit.path)).toEqual(["storage.md"]);
      });
    });
  },
);

