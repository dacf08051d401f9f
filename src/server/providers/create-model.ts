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
 * parse. What is the request's own travels with each call in `callOf`: its fetch (the request's
 * guard) and its credential, which the shared fetch puts in the Authorization header. The
 * adapters hold no credential.
 */
type CompatibleProvider = ReturnType<typeof createOpenAICompatible>;
export type ChatModel = ReturnType<CompatibleProvider["chatModel"]>;
export type EmbeddingModel = ReturnType<CompatibleProvider["embeddingModel"]>;

const callOf = new AsyncLocalStorage<{ fetch: typeof fetch; token: string }>();

/** The fetch of every shared adapter: the call in progress's own, with its credential. */
const callFetch: typeof fetch = (input, init) => {
  const call = callOf.getStore();
  if (call === undefined) return Promise.reject(new Error("A model was called without its request's fetch."));
  const headers = new Headers(init?.headers);
  headers.set("Authorization", `Bearer ${call.token}`);
  return call.fetch(input, { ...init, headers });
};

/** A bound on the adapters kept: the model id comes from the request. */
const MAX_ADAPTERS = 64;
const adapters = new Map<string, ChatModel | EmbeddingModel>();

function adapter<T extends ChatModel | EmbeddingModel>(kind: "chat" | "embedding", credential: Credential, modelId: string, build: (provider: CompatibleProvider) => T): T {
  const baseURL = kind === "chat" ? chatBaseUrl(credential.provider) : embeddingBaseUrl(credential.provider);
  const key = JSON.stringify([kind, credential.provider, baseURL, env().APP_URL, modelId]);
  const known = adapters.get(key);
  if (known !== undefined) return known as T;
  const openRouterHeaders: Record<string, string> =
    credential.provider === "openrouter" ? { "HTTP-Referer": env().APP_URL, "X-Title": "Quire" } : {};
  const built = build(createOpenAICompatible({ name: credential.provider, baseURL, headers: openRouterHeaders, includeUsage: true, fetch: callFetch }));
  if (adapters.size >= MAX_ADAPTERS) adapters.delete(adapters.keys().next().value ?? "");
  adapters.set(key, built);
  return built;
}

/**
 * Runs `work` with the provider's chat model, whose requests carry the credential and go
 * through `fetchImpl` (the guard; the global fetch when none is given). Everything the work's
 * call starts inside it, however late, is this call's: AsyncLocalStorage follows its promises.
 */
export function callChatModel<T>(credential: Credential, modelId: string, fetchImpl: typeof fetch | undefined, work: (model: ChatModel) => T): T {
  const model = adapter("chat", credential, modelId, (provider) => provider.chatModel(modelId));
  return callOf.run({ fetch: fetchImpl ?? fetch, token: credential.token }, () => work(model));
}

/** callChatModel for the provider's embedding model. */
export function callEmbeddingModel<T>(credential: Credential, fetchImpl: typeof fetch | undefined, work: (model: EmbeddingModel) => T): T {
  const modelId = embeddingModelId(credential.provider);
  const model = adapter("embedding", credential, modelId, (provider) => provider.embeddingModel(modelId));
  return callOf.run({ fetch: fetchImpl ?? fetch, token: credential.token }, () => work(model));
}
