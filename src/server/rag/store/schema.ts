import "server-only";
import { ensurePrunedScoreFunction } from "@/src/server/rag/store/lexical-pruning";
import type { SqlClient, SqlExecutor } from "@/src/server/rag/store/sql-client";
import {
  SEARCH_GENERATION_FUNCTION_SQL,
  SEARCH_GENERATION_TEXT_TRIGGERS_SQL,
  SEARCH_GENERATION_VECTOR_TRIGGER_SQL,
} from "@/src/server/rag/store/vector-table";

/**
 * The one schema of both stores, as ordered migrations. Never edit a migration
 * that has shipped: append a new one. The vector table is not here because its
 * column type carries the embedding dimension, which is known only once the
 * first embedding arrives (see vector-table.ts).
 */
export const migrations: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
CREATE TABLE quire_meta (
  key text PRIMARY KEY,
  value jsonb NOT NULL
);
CREATE TABLE documents (
  id serial PRIMARY KEY,
  path text NOT NULL UNIQUE,
  title text NOT NULL,
  url text,
  published text,
  checksum text NOT NULL,
  chunk_count integer NOT NULL DEFAULT 0,
  ingested_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE chunks (
  id bigserial PRIMARY KEY,
  document_id integer NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  ordinal integer NOT NULL,
  title text NOT NULL,
  heading text NOT NULL,
  url text,
  content text NOT NULL,
  token_count integer NOT NULL,
  search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english'::regconfig, title || ' ' || heading), 'A') ||
    setweight(to_tsvector('english'::regconfig, content), 'B')
  ) STORED,
  UNIQUE (document_id, ordinal)
);
CREATE INDEX chunks_search_idx ON chunks USING gin (search);
`,
  },
  {
    // BM25F postings written by the app's analyzer replace ts_rank over a tsvector (no IDF);
    // the trigram-indexed lexicon corrects typos. Postings of existing chunks are rebuilt by
    // the next ingest (lexicalIndexCurrent), without re-chunking or re-embedding anything.
    version: 2,
    sql: `
CREATE EXTENSION IF NOT EXISTS pg_trgm;
ALTER TABLE chunks DROP COLUMN search;
ALTER TABLE chunks ADD COLUMN body_terms integer NOT NULL DEFAULT 0;
CREATE TABLE chunk_terms (
  term text NOT NULL,
  chunk_id bigint NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
  tf_title real NOT NULL,
  tf_heading real NOT NULL,
  tf_body real NOT NULL,
  body_length integer NOT NULL,
  word text NOT NULL,
  PRIMARY KEY (term, chunk_id)
);
-- Scoring reads only these columns: with the visibility map set (VACUUM after each ingest), an index-only scan.
CREATE INDEX chunk_terms_scoring_idx ON chunk_terms (term) INCLUDE (chunk_id, tf_title, tf_heading, tf_body, body_length);
CREATE INDEX chunk_terms_chunk_idx ON chunk_terms (chunk_id);
CREATE TABLE lexicon (
  term text PRIMARY KEY,
  df integer NOT NULL,
  word text NOT NULL
);
CREATE INDEX lexicon_trgm_idx ON lexicon USING gist (term gist_trgm_ops);
CREATE INDEX lexicon_prefix_idx ON lexicon (left(term, 2), df DESC);
`,
  },
  {
    // Exact top-k pruning of full text (lexical-pruning.ts): each common term's best postings and the
    // bound on the rest, rebuilt at each lexicon refresh, trusted only while the postings generation
    // (bumped by every statement that writes postings) is the one the refresh saw.
    version: 3,
    sql: `
CREATE TABLE term_top_postings (
  term text NOT NULL,
  chunk_id bigint NOT NULL,
  PRIMARY KEY (term, chunk_id)
);
ALTER TABLE lexicon ADD COLUMN rest_saturation float8;
INSERT INTO quire_meta (key, value) VALUES ('postings_generation', '0'::jsonb) ON CONFLICT (key) DO NOTHING;
CREATE FUNCTION quire_bump_postings_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE quire_meta SET value = to_jsonb((value #>> '{}')::bigint + 1) WHERE key = 'postings_generation';
  RETURN NULL;
END
$$;
CREATE TRIGGER chunk_terms_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chunk_terms
  FOR EACH STATEMENT EXECUTE FUNCTION quire_bump_postings_generation();
`,
  },
  {
    // Docs from several sources (issue 13): each source's documents live under its name as a path
    // prefix; this table remembers what each one last synced, for `quire status` and the server's
    // re-sync. `updated_at` is when the source says a document last changed (the viewer shows it).
    version: 4,
    sql: `
ALTER TABLE documents ADD COLUMN updated_at text;
CREATE TABLE sources (
  name text PRIMARY KEY,
  kind text NOT NULL,
  location text NOT NULL,
  spec jsonb NOT NULL,
  revision text,
  synced_at timestamptz,
  summary jsonb,
  error text,
  error_at timestamptz
);
`,
  },
  {
    // Full-text impact lists (term-impacts.ts): each term's postings packed into one value, rebuilt
    // at each lexicon refresh. Stored out of line uncompressed: a search reads them whole, and
    // decompressing would cost more than the space saved.
    version: 5,
    sql: `
CREATE TABLE term_impacts (
  term text PRIMARY KEY,
  df integer NOT NULL,
  postings text NOT NULL
);
ALTER TABLE term_impacts ALTER COLUMN postings SET STORAGE EXTERNAL;
`,
  },
  {
    // The search generation (vector-memory.ts): bumped by every statement that could change what a
    // vector search returns, so that vectors held in memory are known to be current. The vector
    // table is made later, by vector-table.ts, with its trigger; here only an existing one gets it.
    version: 6,
    sql: `
INSERT INTO quire_meta (key, value) VALUES ('search_generation', '0'::jsonb) ON CONFLICT (key) DO NOTHING;
${SEARCH_GENERATION_FUNCTION_SQL}
${SEARCH_GENERATION_TEXT_TRIGGERS_SQL}
DO $$ BEGIN
  IF to_regclass('chunk_vectors') IS NOT NULL THEN
    ${SEARCH_GENERATION_VECTOR_TRIGGER_SQL}
  END IF;
END $$;
`,
  },
];

const MIGRATION_LOCK_KEY = 7_243_114_001;

async function currentVersion(executor: SqlExecutor): Promise<number> {
  await executor.exec(
    "CREATE TABLE IF NOT EXISTS quire_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
  );
  const rows = await executor.query("SELECT coalesce(max(version), 0)::int AS version FROM quire_migrations");
  return Number(rows[0]?.version ?? 0);
}

/** Applies the migrations that are missing, each in its own transaction, under an advisory lock. */
export async function migrate(client: SqlClient): Promise<void> {
  await client.transaction(async (executor) => {
    // Serialises concurrent starts against one PostgreSQL; harmless in PGlite.
    await executor.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
    const version = await currentVersion(executor);
    for (const migration of migrations) {
      if (migration.version <= version) continue;
      await executor.exec(migration.sql);
      await executor.query("INSERT INTO quire_migrations (version) VALUES ($1)", [migration.version]);
    }
  });
  // Not a migration: its body follows the code (named by its hash), so it is made when missing.
  await ensurePrunedScoreFunction(client);
}

/** The schema version applied (0: none), for read-only opens, which may not migrate. */
export async function schemaVersion(client: SqlClient): Promise<number> {
  const rows = await client.query("SELECT to_regclass('quire_migrations')::text AS name");
  if (rows[0]?.name == null) return 0;
  const applied = await client.query("SELECT coalesce(max(version), 0)::int AS version FROM quire_migrations");
  return Number(applied[0]?.version ?? 0);
}

/** The version this code's schema is at. */
export const LATEST_SCHEMA_VERSION = migrations.at(-1)?.version ?? 0;

