import "server-only";
import { log } from "@/src/server/log";
import { getStore } from "@/src/server/rag/store";
import type { ScoredChunk } from "@/src/server/rag/types";

/** One chunk for the source viewer; null when it is gone or the index can't be opened. */
export async function findSourceChunk(id: string): Promise<ScoredChunk | null> {
  try {
    return await (await getStore()).getChunk(id);
  } catch (error) {
    log().warn({ err: error }, "source viewer could not read the index");
    return null;
  }
}
