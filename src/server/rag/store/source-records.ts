import "server-only";
import { z } from "zod";
import { parseRows } from "@/src/server/rag/store/rows";
import type { SqlClient } from "@/src/server/rag/store/sql-client";

/** What the index remembers of one source: what it is, what it last synced, and its last error. */
export interface SourceRecord {
  name: string;
  kind: string;
  /** Where it comes from, without credentials (a folder, a remote URL, a sitemap). */
  location: string;
  /** The source's declaration as given (never a token: only the name of its environment variable). */
  spec: Record<string, unknown>;
  revision: string | null;
  syncedAt: string | null;
  summary: Record<string, unknown> | null;
  error: string | null;
  errorAt: string | null;
}

export type SourceUpdate =
  | { name: string; kind: string; location: string; spec: Record<string, unknown>; revision: string | null; summary: Record<string, unknown> }
  | { name: string; kind: string; location: string; spec: Record<string, unknown>; error: string };

const timestamp = z.union([z.string(), z.date()]).transform((value) => (value instanceof Date ? value.toISOString() : new Date(value).toISOString()));
const jsonObject = z.record(z.string(), z.unknown());

const sourceRowSchema = z
  .object({
    name: z.string(),
    kind: z.string(),
    location: z.string(),
    spec: jsonObject,
    revision: z.string().nullable(),
    synced_at: timestamp.nullable(),
    summary: jsonObject.nullable(),
    error: z.string().nullable(),
    error_at: timestamp.nullable(),
  })
  .transform(
    (row): SourceRecord => ({
      name: row.name,
      kind: row.kind,
      location: row.location,
      spec: row.spec,
      revision: row.revision,
      syncedAt: row.synced_at,
      summary: row.summary,
      error: row.error,
      errorAt: row.error_at,
    }),
  );

export async function listSources(client: SqlClient): Promise<SourceRecord[]> {
  return parseRows(sourceRowSchema, await client.query("SELECT * FROM sources ORDER BY name"));
}

/** A success clears the error; a failure keeps the last good revision and sync time beside it. */
export async function recordSource(client: SqlClient, update: SourceUpdate): Promise<void> {
  if ("error" in update) {
    await client.query(
      `INSERT INTO sources (name, kind, location, spec, error, error_at) VALUES ($1, $2, $3, $4::jsonb, $5, now())
       ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, location = excluded.location, spec = excluded.spec,
         error = excluded.error, error_at = now()`,
      [update.name, update.kind, update.location, JSON.stringify(update.spec), update.error],
    );
    return;
  }
  await client.query(
    `INSERT INTO sources (name, kind, location, spec, revision, synced_at, summary) VALUES ($1, $2, $3, $4::jsonb, $5, now(), $6::jsonb)
     ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, location = excluded.location, spec = excluded.spec,
       revision = excluded.revision, synced_at = now(), summary = excluded.summary, error = NULL, error_at = NULL`,
    [update.name, update.kind, update.location, JSON.stringify(update.spec), update.revision, JSON.stringify(update.summary)],
  );
}

/** `%` and `_` in a name would be LIKE wildcards; names are checked to be plain, and escaped anyway. */
function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

export async function removeSource(client: SqlClient, name: string): Promise<number> {
  return client.transaction(async (executor) => {
    const removed = await executor.query("DELETE FROM documents WHERE path LIKE $1 RETURNING id", [likePrefix(`${name}/`)]);
    await executor.query("DELETE FROM sources WHERE name = $1", [name]);
    return removed.length;
  });
}

const prefixCountSchema = z.object({ prefix: z.string(), documents: z.coerce.number().int() });

export async function countDocumentsByPrefix(client: SqlClient, prefixes: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map(prefixes.map((prefix) => [prefix, 0]));
  if (prefixes.length === 0) return counts;
  const rows = await client.query(
    `SELECT p.prefix, count(d.id) AS documents FROM unnest($1::text[], $2::text[]) AS p(prefix, pattern)
     LEFT JOIN documents d ON d.path LIKE p.pattern GROUP BY p.prefix`,
    [prefixes, prefixes.map(likePrefix)],
  );
  for (const row of parseRows(prefixCountSchema, rows)) counts.set(row.prefix, row.documents);
  return counts;
}
