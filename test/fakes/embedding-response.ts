import { z } from "zod";
import { fakeEmbedding } from "./embedding";
import { dropConnection, sleep, type Exchange } from "./http";
import { countTokens } from "./reply";
import type { Behavior } from "./types";

/** Both providers take one string or a list (PROTOCOLS §1.4, §2.2). */
export const embeddingInputSchema = z.union([z.string(), z.array(z.string()).min(1)]);

export interface EmbeddedInputs {
  data: { index: number; object: "embedding"; embedding: number[] }[];
  promptTokens: number;
}

export function embedInputs(input: z.infer<typeof embeddingInputSchema>): EmbeddedInputs {
  const texts = typeof input === "string" ? [input] : input;
  return {
    data: texts.map((text, index) => ({ index, object: "embedding", embedding: fakeEmbedding(text) })),
    promptTokens: texts.reduce((total, text) => total + Math.max(countTokens(text), 1), 0),
  };
}

/**
 * Latency knobs for an embedding answer (embedDelayMs, else firstTokenDelayMs). Returns false when the response must
 * not be sent: the client left, or the knob says to cut the connection.
 */
export async function holdResponse(exchange: Exchange, behavior: Behavior): Promise<boolean> {
  if (!(await sleep(behavior.embedDelayMs ?? behavior.firstTokenDelayMs ?? 0, exchange.signal))) return false;
  if (behavior.dropAfterTokens !== undefined) {
    dropConnection(exchange);
    return false;
  }
  return true;
}
