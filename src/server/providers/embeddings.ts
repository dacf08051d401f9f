import "server-only";
import { embedMany } from "ai";
import type { Credential } from "@/src/server/credential";
import { AppError, unwrapAppError } from "@/src/server/errors";
import { embeddingModelId } from "@/src/server/providers/config";
import { createGuardedFetch } from "@/src/server/providers/first-token-gate";
import { callEmbeddingModel } from "@/src/server/providers/create-model";
import { env } from "@/src/server/env";

export interface EmbeddingResult {
  embeddings: number[][];
  model: string;
  dimensions: number;
}

/**
 * Embeds texts through the given credential (PROTOCOLS.md §1.4, §2.2): Chutes'
 * BGE-M3 chute or OpenRouter's `baai/bge-m3`. Failures are AppErrors; callers
 * decide on retries (`error.retryable`), so the SDK's own retries are off.
 */
export async function embedTexts(
  credential: Credential,
  texts: string[],
  options: { signal?: AbortSignal; baseFetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<EmbeddingResult> {
  if (texts.length === 0) return { embeddings: [], model: embeddingModelId(credential.provider), dimensions: 0 };
  const timeout = options.timeoutMs ?? env().QUIRE_FIRST_TOKEN_TIMEOUT_MS;
  const guard = createGuardedFetch(
    { provider: credential.provider },
    { firstTokenTimeoutMs: timeout, idleTimeoutMs: timeout, baseFetch: options.baseFetch },
  );
  try {
    const result = await callEmbeddingModel(credential, guard.fetch, (model) =>
      embedMany({
        model,
        values: texts,
        maxRetries: 0,
        maxParallelCalls: 2,
        ...(options.signal && { abortSignal: options.signal }),
      }),
    );
    const dimensions = result.embeddings[0]?.length ?? 0;
    if (result.embeddings.some((vector) => vector.length !== dimensions)) {
      throw new AppError("upstream_error", "The embedding provider returned vectors of different sizes.", {
        provider: credential.provider,
      });
    }
    return { embeddings: result.embeddings, model: embeddingModelId(credential.provider), dimensions };
  } catch (error) {
    throw unwrapAppError(error) ?? error;
  }
}
