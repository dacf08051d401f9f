import type { Exchange } from "./http";

/** Headers both providers send on a stream (PROTOCOLS §1.2, §2.1). */
export const EVENT_STREAM_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
  connection: "keep-alive",
} as const;

export function dataEvent(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

export function commentEvent(text: string): string {
  return `: ${text}\n\n`;
}

export const DONE_EVENT = "data: [DONE]\n\n";

/**
 * Writes and honours back pressure, so a slow reader slows the fake down as it
 * would a real provider. Resolves false once the client is gone.
 */
export async function writeChunk(exchange: Exchange, text: string): Promise<boolean> {
  const { response, signal } = exchange;
  if (signal.aborted || response.destroyed) return false;
  if (response.write(text)) return true;
  await new Promise<void>((resolve) => {
    const finish = () => {
      response.off("drain", finish);
      signal.removeEventListener("abort", finish);
      resolve();
    };
    response.on("drain", finish);
    signal.addEventListener("abort", finish, { once: true });
  });
  return !signal.aborted;
}
