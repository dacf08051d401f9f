import "server-only";
import { log } from "@/src/server/log";
import { embeddingSpaceSchema } from "@/src/server/rag/store/rows";
import type { SqlClient, SqlExecutor } from "@/src/server/rag/store/sql-client";
import type { EmbeddingSpace } from "@/src/server/rag/types";
import { SEARCH_CHANNEL } from "@/src/server/rag/store/search-memory";

/**
 * The vectors live in their own table because `vector(N)` fixes the dimension:
 * it is created when the first embeddings of a model arrive and recreated when
 * the model changes. STORAGE PLAIN keeps 1024-dimension vectors inline, without
 * which the planner prefers a full scan over the HNSW index (DEPENDENCIES.md).
 */
const VECTOR_INDEX = "chunk_vectors_hnsw";

/**
 * The HNSW graph's links per node and build-time candidate list. pgvector's defaults (16, 64)
 * gave recall@10 0.59 against the exact search at 50k synthetic chunks (bench:retrieval, dev
 * half, ef_search 100), and 0.79 even at ef_search 400; ef_construction barely helps at m 16
 * (0.69 at 200). Measured on PostgreSQL 15 + pgvector 0.8, dev half at ef_search 100: m 24:
 * 0.93, m 32: 0.96–0.98, m 48: 0.98–1.0 over three builds (ef_construction 128–200), the
 * search 4 ms instead of 2. m 48 with ef_construction 128 builds in about 3× the default's
 * time and takes no more disk (a 1024-dimension vector fills its page either way). An index
 * built with other parameters is rebuilt at the next ingest (buildVectorIndex).
 */
const HNSW_PARAMETERS = { m: 48, ef_construction: 128 } as const;

/** The index as created (table creation and rebuilds), with HNSW_PARAMETERS. */
const CREATE_VECTOR_INDEX_SQL = `CREATE INDEX IF NOT EXISTS ${VECTOR_INDEX} ON chunk_vectors USING hnsw (embedding vector_cosine_ops) WITH (${Object.entries(HNSW_PARAMETERS)
  .map(([name, value]) => `${name} = ${value}`)
  .join(", ")})`;

/** The options as pg_class records them ("m=48"), to tell an index built with other parameters. */
const EXPECTED_OPTIONS = Object.entries(HNSW_PARAMETERS).map(([name, value]) => `${name}=${value}`);

/**
 * The HNSW candidate list of a search, set for every session (pglite-client, postgres-client).
 * Chosen on the dev half of bench:retrieval's questions (50k synthetic chunks, HNSW_PARAMETERS)
 * as the smallest of 40/100/200/400 whose recall@10 stays at 0.99 or more from one index build
 * to the next: at 100 it was 0.998 in one build and 0.987 in another (a few questions far from
 * every chunk send the greedy search into the wrong cluster and find none of their ten), at 200
 * 1.0 in both. pgvector's default (40) gave 0.93-0.96.
 */
export const DEFAULT_EF_SEARCH = 200;

/** The session setting that gives every search DEFAULT_EF_SEARCH. */
export const EF_SEARCH_SETTING = `hnsw.ef_search=${DEFAULT_EF_SEARCH}`;

export async function vectorTableExists(executor: SqlExecutor): Promise<boolean> {
  const rows = await executor.query("SELECT to_regclass('chunk_vectors')::text AS name");
  return rows[0]?.name != null;
}

export async function readEmbeddingSpace(executor: SqlExecutor): Promise<EmbeddingSpace | null> {
  const rows = await executor.query("SELECT value FROM quire_meta WHERE key = 'embedding'");
  const parsed = embeddingSpaceSchema.safeParse(rows[0]?.value);
  return parsed.success ? parsed.data : null;
}

/**
 * Adds one to the search generation (vector-memory.ts); the triggers also announce it on SEARCH_CHANNEL (search-memory.ts), both in
 * the writing transaction: the generation is seen, and the notification delivered, when it commits.
 * The embedded store's thread listens, and drops what it holds in memory on each one.
 */
const BUMP_SEARCH_GENERATION_SQL = `UPDATE quire_meta SET value = to_jsonb((value #>> '{}')::bigint + 1) WHERE key = 'search_generation'`;

/**
 * The trigger functions of the search generation and of the postings generation (schema
 * migration 6; the postings one, from migration 3, now announces its writes too), and the one that
 * only announces (quire_meta's writes: the lexicon's control, the embedding space).
 */
export const SEARCH_GENERATION_FUNCTION_SQL = `CREATE FUNCTION quire_bump_search_generation() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  ${BUMP_SEARCH_GENERATION_SQL};
  PERFORM pg_notify('${SEARCH_CHANNEL}', '');
  RETURN NULL;
END
$fn$;
CREATE OR REPLACE FUNCTION quire_bump_postings_generation() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  UPDATE quire_meta SET value = to_jsonb((value #>> '{}')::bigint + 1) WHERE key = 'postings_generation';
  PERFORM pg_notify('${SEARCH_CHANNEL}', '');
  RETURN NULL;
END
$fn$;
CREATE FUNCTION quire_announce_search() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_notify('${SEARCH_CHANNEL}', '');
  RETURN NULL;
END
$fn$;`;

/**
 * What a vector search returns changes with every statement that writes vectors (a cascade from
 * deleted chunks too), a chunk's returned columns, or a document's path; each bumps the generation.
 * A new chunk has no vector yet, and one deleted takes its vector with it (a deleted chunk bumps it
 * all the same). What full text returns changes with its postings (chunk_terms, whose trigger
 * announces them), with the packed lists a lexicon refresh rewrites (term_impacts), and with the
 * lexicon's control in quire_meta, whose every write is announced.
 */
export const SEARCH_GENERATION_TEXT_TRIGGERS_SQL = `CREATE TRIGGER chunks_search_generation AFTER DELETE OR UPDATE OF title, heading, url, content ON chunks
  FOR EACH STATEMENT EXECUTE FUNCTION quire_bump_search_generation();
CREATE TRIGGER documents_search_generation AFTER UPDATE OF path ON documents
  FOR EACH STATEMENT EXECUTE FUNCTION quire_bump_search_generation();
CREATE TRIGGER term_impacts_search_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON term_impacts
  FOR EACH STATEMENT EXECUTE FUNCTION quire_bump_search_generation();
CREATE TRIGGER quire_meta_search_announce AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON quire_meta
  FOR EACH STATEMENT EXECUTE FUNCTION quire_announce_search();`;

/** The vector table's trigger: made with the table (it goes when the table is dropped). */
export const SEARCH_GENERATION_VECTOR_TRIGGER_SQL = `CREATE TRIGGER chunk_vectors_search_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chunk_vectors
      FOR EACH STATEMENT EXECUTE FUNCTION quire_bump_search_generation();`;

/** Creates the vector table for `space`, dropping every vector of a previous space. */
export async function createVectorTable(client: SqlClient, space: EmbeddingSpace): Promise<void> {
  const dimensions = Math.trunc(space.dimensions);
  if (!(dimensions > 0 && dimensions <= 2000)) throw new Error(`Unsupported embedding dimension ${space.dimensions}`);
  await client.transaction(async (executor) => {
    await executor.exec(`
DROP TABLE IF EXISTS chunk_vectors;
CREATE TABLE chunk_vectors (
  chunk_id bigint PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
  embedding vector(${dimensions}) NOT NULL
);
ALTER TABLE chunk_vectors ALTER COLUMN embedding SET STORAGE PLAIN;
${CREATE_VECTOR_INDEX_SQL};
${SEARCH_GENERATION_VECTOR_TRIGGER_SQL}
${BUMP_SEARCH_GENERATION_SQL};
NOTIFY ${SEARCH_CHANNEL};`);
    await executor.query(
      "INSERT INTO quire_meta (key, value) VALUES ('embedding', $1::jsonb) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      [JSON.stringify({ model: space.model, dimensions })],
    );
  });
}

/** Drops the HNSW index before a bulk load; building it once afterwards is much faster than growing it. */
export async function dropVectorIndex(executor: SqlExecutor): Promise<void> {
  await executor.exec(`DROP INDEX IF EXISTS ${VECTOR_INDEX}`);
}

/**
 * pgvector builds the graph in memory while it fits in maintenance_work_mem and
 * switches to a much slower build when it does not; the default (64 MB) holds
 * about 10k 1024-dimension vectors. 512 MB holds about 50k, and PGlite's heap can spare it.
 */
const INDEX_BUILD_MEMORY = "512MB";

/** The HNSW index's recorded options; null when there is no index. */
async function vectorIndexOptions(executor: SqlExecutor): Promise<string[] | null> {
  const rows = await executor.query(`SELECT c.reloptions FROM pg_class c WHERE c.oid = to_regclass('${VECTOR_INDEX}')`);
  if (rows.length === 0) return null;
  const options = rows[0]?.reloptions;
  return Array.isArray(options) ? options.map(String) : [];
}

/**
 * Builds the HNSW index when it is missing, and rebuilds one built with other graph
 * parameters (an index from before HNSW_PARAMETERS): a one-time cost at the ingest after an
 * upgrade, as long as a bulk load's rebuild.
 */
export async function buildVectorIndex(client: SqlClient): Promise<void> {
  await client.transaction(async (executor) => {
    const options = await vectorIndexOptions(executor);
    if (options !== null && EXPECTED_OPTIONS.every((option) => options.includes(option))) return;
    if (options !== null) {
      log().info({ from: options, to: EXPECTED_OPTIONS }, "rebuilding the vector index with Quire's HNSW parameters");
      await executor.exec(`DROP INDEX ${VECTOR_INDEX}`);
    }
    await executor.exec(`SET LOCAL maintenance_work_mem = '${INDEX_BUILD_MEMORY}'`);
    await executor.exec(CREATE_VECTOR_INDEX_SQL);
  });
}
