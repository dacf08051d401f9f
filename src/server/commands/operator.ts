import "server-only";
import { operatorCredential } from "@/src/server/auth/operator-credential";
import { embedderFor, queryEmbedderFor, type EmbedFunction, type QueryEmbedder } from "@/src/server/rag/ingest/embedder";

/**
 * The CLI composes auth and rag: the operator's credential (auth decides which) becomes
 * the ingest or search embedder. Without a key, both are null and only full text is used.
 */
export function operatorEmbedder(): EmbedFunction | null {
  const credential = operatorCredential();
  return credential && embedderFor(credential);
}

export function operatorQueryEmbedder(): QueryEmbedder | null {
  const credential = operatorCredential();
  return credential && queryEmbedderFor(credential);
}

export { operatorCredential };
