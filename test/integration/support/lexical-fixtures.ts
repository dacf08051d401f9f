import type { DocumentRecord, KnowledgeStore } from "@/src/server/rag/store";
import type { Chunk } from "@/src/server/rag/types";

/**
 * A small corpus for the full-text index tests, shared by the PGlite tests
 * (lexical-index.test.ts) and the real-PostgreSQL run (rag-store-postgres.test.ts),
 * so both engines index and rank exactly the same chunks.
 *
 * Built so that each ranking rule has a case:
 * - "node" is in every chunk (IDF near zero), "quorum" in one;
 * - "replication" is a heading in one chunk and a body word in another;
 *   "storage" a title in two chunks and a body word in a third;
 * - `dataWorkerCount` is written whole in one chunk, while another has only "data" and "count";
 * - "bucket" (singular, so the vocabulary's usual spelling is "bucket") is the target of the typo "bukcet".
 */

export interface FixtureDocument {
  record: DocumentRecord;
  chunks: Chunk[];
}

function fixture(path: string, title: string, sections: readonly (readonly [heading: string, text: string])[]): FixtureDocument {
  return {
    record: { path, title, url: null, date: null, checksum: `checksum of ${path}` },
    // The heading path starts with the page title, as the chunker writes it.
    chunks: sections.map(([heading, text], ordinal) => ({
      path,
      ordinal,
      title,
      heading: `${title} > ${heading}`,
      url: chunkUrl(path, ordinal),
      text,
      tokenCount: text.split(/\s+/).length,
    })),
  };
}

/** A chunk's URL, unique per chunk: the key that ties a search hit back to its fixture chunk. */
export function chunkUrl(path: string, ordinal: number): string {
  return `https://docs.example/${path}#${ordinal}`;
}

export const lexicalDocuments: readonly FixtureDocument[] = [
  fixture("cluster.md", "Cluster guide", [
    ["Replication", "Every node copies the log to its followers. A node that falls behind catches up from a snapshot."],
    ["Failover", "When the leader node stops, the followers hold an election; replication resumes once a quorum of node votes agrees."],
    ["Sizing", "Each node node node runs the same node binary; add a node to scale storage."],
  ]),
  fixture("storage.md", "Storage", [
    ["Uploads", "A bucket holds objects on the node. Create the bucket before the first upload."],
    ["Limits", "Count the data rows per node before you export them; large data sets need paging."],
  ]),
  fixture("workers.md", "Workers", [
    ["Settings", "Set dataWorkerCount to the number of cores on the node. The default dataWorkerCount is 4."],
    ["Scheduling", "```\n# not a heading inside a fence\nnode --jobs 2\n```\n## Queues\nEach node pulls jobs from its queue."],
  ]),
];

/** Every fixture chunk, in the order they are written (so in the order of their ids). */
export const lexicalChunks: readonly Chunk[] = lexicalDocuments.flatMap((document) => document.chunks);

/** Questions both engines must answer identically, typos included. */
export const lexicalQuestions: readonly string[] = [
  "node",
  "replication",
  "storage",
  "dataWorkerCount",
  "how many node votes make a quorum for replication",
  "count the data rows",
  "queues and --jobs",
  "where is the bukcet",
  "bukcet upload limits",
  "zzqxv",
];

/** Writes the fixture documents and refreshes the vocabulary, as an ingest does. */
export async function writeLexicalFixtures(store: KnowledgeStore): Promise<void> {
  for (const document of lexicalDocuments) await store.replaceDocument(document.record, document.chunks);
  await store.refreshLexicon();
}
