import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { Credential } from "@/src/server/credential";
import { chatBaseUrl, embeddingBaseUrl, embeddingModelId } from "@/src/server/providers/config";
import { env } from "@/src/server/env";

/**
 * One OpenAI-compatible adapter per provider and model, built once and shared by every
 * request. Building one per request cost about 0.7 ms of the event loop per chat: the chat
 * model makes its own zod schemas for the stream's chunks, which zod compiles at their first
 * parse. What is the request's own travels with each call instead: the credential as the
 * call's Authorization header, and the fetch (the request's guard) through `fetchOfCall`.
 */
type CompatibleProvider = ReturnType<typeof createOpenAICompatible>;
export type ChatModel = ReturnType<CompatibleProvider["chatModel"]>;
export type EmbeddingModel = ReturnType<CompatibleProvider["embeddingModel"]>;

const fetchOfCall = new AsyncLocalStorage<typeof fetch>();

/** The fetch of every shared adapter: the one of the call in progress (callChatModel, callEmbeddingModel). */
const callFetch: typeof fetch = (input, init) => {
  const current = fetchOfCall.getStore();
  if (current === undefined) return Promise.reject(new Error("A model was called without its request's fetch."));
  return current(input, init);
};

/** A bound on the adapters kept: the model id comes from the request. */
const MAX_ADAPTERS = 64;
const adapters = new Map<string, ChatModel | EmbeddingModel>();

function adapter<T extends ChatModel | EmbeddingModel>(key: string, build: (provider: CompatibleProvider) => T, credential: Credential, baseURL: string): T {
  const known = adapters.get(key);
  if (known !== undefined) return known as T;
  const openRouterHeaders: Record<string, string> =
    credential.provider === "openrouter" ? { "HTTP-Referer": env().APP_URL, "X-Title": "Quire" } : {};
  const built = build(
    createOpenAICompatible({ name: credential.provider, baseURL, headers: openRouterHeaders, includeUsage: true, fetch: callFetch }),
  );
  if (adapters.size >= MAX_ADAPTERS) adapters.delete(adapters.keys().next().value ?? "");
  adapters.set(key, built);
  return built;
}

function authorization(credential: Credential): Record<string, string> {
  return { Authorization: `Bearer ${credential.token}` };
}

/**
 * Runs `work` with the provider's chat model, the credential's headers and `fetchImpl` for its
 * requests (the guard; the global fetch when none is given). Everything the work's call starts
 * inside it, however late, uses that fetch: AsyncLocalStorage follows the call's promises.
 */
export function callChatModel<T>(
  credential: Credential,
  modelId: string,
  fetchImpl: typeof fetch | undefined,
  work: (model: ChatModel, headers: Record<string, string>) => T,
): T {
  const baseURL = chatBaseUrl(credential.provider);
  const key = JSON.stringify(["chat", credential.provider, baseURL, env().APP_URL, modelId]);
  const model = adapter(key, (provider) => provider.chatModel(modelId), credential, baseURL);
  return fetchOfCall.run(fetchImpl ?? fetch, () => work(model, authorization(credential)));
}

/** callChatModel for the provider's embedding model. */
export function callEmbeddingModel<T>(
  credential: Credential,
  fetchImpl: typeof fetch | undefined,
  work: (model: EmbeddingModel, headers: Record<string, string>) => T,
): T {
  const baseURL = embeddingBaseUrl(credential.provider);
  const modelId = embeddingModelId(credential.provider);
  const key = JSON.stringify(["embedding", credential.provider, baseURL, env().APP_URL, modelId]);
  const model = adapter(key, (provider) => provider.embeddingModel(modelId), credential, baseURL);
  return fetchOfCall.run(fetchImpl ?? fetch, () => work(model, authorization(credential)));
}
