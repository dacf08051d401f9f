import "server-only";
import { z } from "zod";
import type { CommandContext } from "@/src/server/commands/context";
import { formatDuration, formatRows } from "@/src/server/commands/output";
import { embeddingModelId } from "@/src/server/providers/config";
import { operatorCredential } from "@/src/server/commands/operator";
import type { StoreStatus } from "@/src/server/rag/store";
import { sameEmbeddingSpace } from "@/src/server/rag/types";

/**
 * How questions will be answered, in words for the operator: hybrid, or full
 * text only and why (no vectors, or vectors of another model than queries use).
 */
export function describeRetrieval(status: StoreStatus, queryModel: string | null): string {
  if (status.embedding === null || status.embeddedChunks === 0) {
    return "full text only: the index has no vectors. Set CHUTES_API_KEY or OPENROUTER_API_KEY and run `quire ingest`.";
  }
  if (queryModel !== null && !sameEmbeddingSpace(status.embedding, { model: queryModel, dimensions: status.embedding.dimensions })) {
    return `full text only: questions are embedded with ${queryModel} but the index holds ${status.embedding.model} vectors. Run \`quire ingest\` to re-embed.`;
  }
  const missing = status.chunks - status.embeddedChunks;
  return missing > 0
    ? `hybrid (vector + full text); ${missing} chunks have no vector yet: run \`quire ingest\` with a key.`
    : "hybrid (vector + full text)";
}

function lastIngestText(status: StoreStatus): string {
  if (status.lastIngest === null) return "never";
  const duration = status.lastIngest.summary?.durationMs;
  return `${status.lastIngest.at}${typeof duration === "number" ? ` (took ${formatDuration(duration)})` : ""}`;
}

/** "3 h ago": how long since an ISO time, for the operator. */
export function sinceText(iso: string, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} days ago`;
}

/** One line per source: what it is, what it last synced and when, its documents, and its last error. */
export function formatSources(sources: readonly SourceStatus[], now: number = Date.now()): string[] {
  return sources.map((source) => {
    const revision = source.revision ? ` at ${/^[0-9a-f]{40}$/.test(source.revision) ? source.revision.slice(0, 12) : source.revision}` : "";
    const synced = source.syncedAt ? `synced ${sinceText(source.syncedAt, now)}${revision}` : "never synced";
    const error = source.error ? `; last sync failed ${source.errorAt ? sinceText(source.errorAt, now) : ""}: ${source.error}` : "";
    return `  ${source.name} (${source.kind}) ${source.location}: ${source.documents} documents, ${synced}${error}`;
  });
}

export interface SourceStatus {
  name: string;
  kind: string;
  location: string;
  documents: number;
  revision: string | null;
  syncedAt: string | null;
  error: string | null;
  errorAt: string | null;
  summary: Record<string, unknown> | null;
}

export const statusArgsSchema = z.object({ json: z.boolean() }).strict();
export type StatusArgs = z.infer<typeof statusArgsSchema>;

/** `quire status`: what the index holds and how it will be searched. */
export async function statusCommand(args: StatusArgs, { stores, output }: CommandContext): Promise<number> {
  return stores.use({ purpose: "cli" }, async (store) => {
    const status = await store.status();
    const credential = operatorCredential();
    const queryModel = credential ? embeddingModelId(credential.provider) : null;
    const retrieval = describeRetrieval(status, queryModel);
    const records = await store.listSources();
    const counts = await store.countDocumentsByPrefix(records.map((record) => `${record.name}/`));
    const sources: SourceStatus[] = records.map((record) => ({
      name: record.name,
      kind: record.kind,
      location: record.location,
      documents: counts.get(`${record.name}/`) ?? 0,
      revision: record.revision,
      syncedAt: record.syncedAt,
      error: record.error,
      errorAt: record.errorAt,
      summary: record.summary,
    }));
    if (args.json) {
      output.log(JSON.stringify({ ...status, retrieval, sources }, null, 2));
      return 0;
    }
    const share = status.chunks === 0 ? 0 : Math.round((status.embeddedChunks / status.chunks) * 100);
    output.log(`Quire index: ${status.kind === "pglite" ? "PGlite at" : "PostgreSQL"} ${status.location}`);
    output.log(
      formatRows([
        ["Documents", String(status.documents)],
        ["Chunks", String(status.chunks)],
        ["Embedded", `${status.embeddedChunks} / ${status.chunks} (${share}%)`],
        ["Model", status.embedding ? `${status.embedding.model} (${status.embedding.dimensions} dimensions)` : "none"],
        ["Last ingest", lastIngestText(status)],
        ["Retrieval", retrieval],
      ]),
    );
    if (sources.length > 0) {
      const inSources = sources.reduce((sum, source) => sum + source.documents, 0);
      output.log(`Sources:`);
      for (const line of formatSources(sources)) output.log(line);
      if (status.documents > inSources) output.log(`  (docs folder): ${status.documents - inSources} documents`);
    }
    return 0;
  });
}
