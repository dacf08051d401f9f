import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore, StoreError, type KnowledgeStore } from "@/src/server/rag/store";
import { createKnowledgeStore } from "@/src/server/rag/store/knowledge-store";
import { openPgliteClient } from "@/src/server/rag/store/pglite-client";
import { connectPostgres } from "@/src/server/rag/store/postgres-client";
import { migrate } from "@/src/server/rag/store/schema";
import type { SqlClient } from "@/src/server/rag/store/sql-client";
import { lexicalQuestions, writeLexicalFixtures } from "@/test/integration/support/lexical-fixtures";
import { freePort } from "@/test/support/net";
import {
  copyInstallationWithout,
  createDatabase,
  extensionControlFileExists,
  postgresql,
  startPostgresServer,
  type CopiedInstallation,
  type PostgresServer,
} from "@/test/support/postgres-server";

/**
 * The `pg` path against a real PostgreSQL: the newest Debian PostgreSQL found
 * under /usr/lib/postgresql. A throwaway cluster is started as the `postgres` user
 * on a free port and removed afterwards. The "pgvector is not installed" test runs
 * a cluster of a copy of that installation without pgvector when this one has it.
 * The lexical index (migrations 1 and 2 need only pg_trgm) is checked through
 * `connectPostgres` against the PGlite store: the same SQL must rank the same on
 * both engines.
 */
const { skipReason, installation } = postgresql;
const version = installation?.version ?? "?";
const binaries = installation?.binaries ?? "/usr/lib/postgresql";

/**
 * Whether the server will list pgvector in pg_available_extensions, which reads the
 * control files of its share directory. Known before the server starts, so the test
 * titles can say it; the tests themselves ask the running server.
 */
const pgvectorExpected = installation !== null && extensionControlFileExists(installation, "vector");

async function availableExtensions(databaseUrl: string): Promise<string[]> {
  const client = await connectPostgres(databaseUrl);
  const rows = await client
    .query("SELECT name FROM pg_available_extensions WHERE name IN ('pg_trgm', 'vector') ORDER BY name")
    .finally(() => client.close());
  return rows.map((row) => String(row.name));
}

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

    describe(pgvectorExpected ? "a server without pgvector (a copy of this installation without it)" : "this server, which has no pgvector", () => {
      let copy: CopiedInstallation | undefined;
      let bare: PostgresServer | undefined;

      beforeAll(async () => {
        if (!pgvectorExpected) return;
        copy = copyInstallationWithout(installation!, "vector");
        bare = await startPostgresServer(copy);
      }, 120_000);
      afterAll(() => {
        bare?.stop();
        copy?.remove();
      });

      it('fails with a clear "pgvector extension is not installed" error', async () => {
        const url = (bare ?? server).url();
        expect(await availableExtensions(url)).toEqual(["pg_trgm"]);
        const attempt = openStore({ databaseUrl: url });
        await expect(attempt).rejects.toThrow(StoreError);
        await expect(attempt).rejects.toMatchObject({ reason: "pgvector_missing" });
        await expect(attempt).rejects.toThrow(/The pgvector extension is not installed on the PostgreSQL server at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1/);
      });
    });

    describe.skipIf(!pgvectorExpected)(
      pgvectorExpected ? "a user who may not create extensions" : `a user who may not create extensions (skipped: no pgvector for PostgreSQL ${version})`,
      () => {
        /** Runs SQL as the superuser in `database`. */
        async function asSuperuser(database: string, sql: string): Promise<void> {
          const admin = await connectPostgres(databaseUrl(database));
          await admin.exec(sql).finally(() => admin.close());
        }
        const userUrl = (user: string, database: string) => `postgres://${user}:secret@127.0.0.1:${server.port}/${database}`;

        beforeAll(async () => {
          await asSuperuser("postgres", "CREATE ROLE quire_owner LOGIN; CREATE ROLE quire_guest LOGIN");
          await asSuperuser("postgres", "CREATE DATABASE quire_owned OWNER quire_owner");
          await asSuperuser("postgres", "CREATE DATABASE quire_guested");
        });

        it("gets a StoreError that says to run CREATE EXTENSION as a superuser, then opens once that is done", async () => {
          const attempt = openStore({ databaseUrl: userUrl("quire_owner", "quire_owned") });
          await expect(attempt).rejects.toThrow(StoreError);
          await expect(attempt).rejects.toMatchObject({ reason: "pgvector_permission" });
          await expect(attempt).rejects.toThrow(/may not enable it\. Run `CREATE EXTENSION vector;` once as a superuser/);
          await expect(attempt).rejects.not.toThrow(/secret/);
          await asSuperuser("quire_owned", "CREATE EXTENSION vector");
          // pg_trgm is a trusted extension: the database's owner enables it in the migration.
          const store = await openStore({ databaseUrl: userUrl("quire_owner", "quire_owned") });
          expect(await store.status()).toMatchObject({ kind: "postgres", documents: 0 });
          await store.close();
        });

        it("gets a StoreError, not a raw pg error, when it may not create tables in the public schema (PostgreSQL 15+)", async () => {
          await asSuperuser("quire_guested", "CREATE EXTENSION vector");
          const attempt = openStore({ databaseUrl: userUrl("quire_guest", "quire_guested") });
          await expect(attempt).rejects.toThrow(StoreError);
          await expect(attempt).rejects.toMatchObject({ reason: "schema_permission" });
          await expect(attempt).rejects.toThrow(/may not create Quire's tables at postgres:\/\/quire_guest:\*\*\*@.*GRANT CREATE ON SCHEMA public TO <user>; CREATE EXTENSION IF NOT EXISTS pg_trgm;/);
          // What the message says to do, and then it opens.
          await asSuperuser("quire_guested", "GRANT CREATE ON SCHEMA public TO quire_guest; CREATE EXTENSION IF NOT EXISTS pg_trgm");
          const store = await openStore({ databaseUrl: userUrl("quire_guest", "quire_guested") });
          expect(await store.status()).toMatchObject({ kind: "postgres", documents: 0 });
          await store.close();
        });
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
        client = await connectPostgres(await createDatabase(server, "quire_lexical"));
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

