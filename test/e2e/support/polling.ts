import { sourceFromPart } from "@/src/shared/sources";
import type { StreamChunk } from "@/test/support/app-harness";

/** The document paths of an answer's sources, in their order. */
export const sourcePaths = (chunks: StreamChunk[]): string[] =>
  chunks.flatMap((chunk) => {
    const source = sourceFromPart(chunk as { type: string; providerMetadata?: unknown });
    return source === null ? [] : [source.path];
  });

/** Probes every 300 ms until it returns a value, or fails naming what it waited for. */
export async function until<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}
