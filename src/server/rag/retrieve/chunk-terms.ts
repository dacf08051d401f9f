import "server-only";
import { analyzeChunk } from "@/src/server/rag/lexical/analyze";

/** How many chunks' terms are kept: a corpus's popular chunks, a few MiB at most. */
export const CHUNK_TERMS_CACHE_SIZE = 1000;

interface Entry {
  title: string;
  heading: string;
  text: string;
  terms: ReadonlyMap<string, unknown>;
}

const cache = new Map<string, Entry>();

/**
 * The terms of one chunk (every field), as `analyzeChunk` finds them, remembered by
 * chunk id. Every chat turn judges and explains its top chunks by their terms, and
 * analysing a long chunk again on every turn showed in the CPU profile under load
 * (about 4% of the server's time). The same few chunks answer most questions, so
 * they are analysed once. An entry is used only while the chunk's text is the same
 * (a re-ingest may change it), and the least recently used entries go first.
 */
export function chunkTerms(chunk: { id: string; title: string; heading: string; text: string }): ReadonlyMap<string, unknown> {
  const cached = cache.get(chunk.id);
  if (cached !== undefined && cached.text === chunk.text && cached.title === chunk.title && cached.heading === chunk.heading) {
    // Map order is insertion order: moving the entry to the end keeps the oldest first.
    cache.delete(chunk.id);
    cache.set(chunk.id, cached);
    return cached.terms;
  }
  const terms = analyzeChunk(chunk).terms;
  cache.delete(chunk.id);
  cache.set(chunk.id, { title: chunk.title, heading: chunk.heading, text: chunk.text, terms });
  if (cache.size > CHUNK_TERMS_CACHE_SIZE) cache.delete(cache.keys().next().value ?? "");
  return terms;
}

/** How many chunks are remembered now (tests). */
export function chunkTermsCacheSize(): number {
  return cache.size;
}
