import "server-only";
import { z } from "zod";
import { env } from "@/src/server/env";
import { log } from "@/src/server/log";
import { defaultChatModel } from "@/src/server/providers/config";
import type { ProviderId } from "@/src/shared/providers";
import type { ModelList, ModelOption } from "@/src/shared/models";

/** Chutes `GET /v1/models` (PROTOCOLS.md §1.3), leniently. */
const chutesModelsSchema = z.object({
  data: z.array(z.object({ id: z.string(), max_model_len: z.number().nullish() }).loose()),
});

/** OpenRouter `GET /models` (PROTOCOLS.md §2.5), leniently. */
const openRouterModelsSchema = z.object({
  data: z.array(
    z
      .object({
        id: z.string(),
        name: z.string().nullish(),
        context_length: z.number().nullish(),
        architecture: z.object({ output_modalities: z.array(z.string()).nullish(), modality: z.string().nullish() }).loose().nullish(),
      })
      .loose(),
  ),
});

const fallbackModels: Record<ProviderId, string[]> = {
  chutes: ["deepseek-ai/DeepSeek-V3.2-TEE", "deepseek-ai/DeepSeek-R1-0528", "Qwen/Qwen3-235B-A22B-Instruct-2507", "moonshotai/Kimi-K2-Instruct-0905"],
  openrouter: ["deepseek/deepseek-chat-v3.1", "deepseek/deepseek-r1-0528", "qwen/qwen3-235b-a22b-2507", "moonshotai/kimi-k2"],
};

const CACHE_MS = 10 * 60 * 1000;
const cache = new Map<ProviderId, { at: number; models: ModelOption[] }>();

/** OpenRouter lists embedding and image models too; keep the ones that answer in text. */
function isChatModel(model: z.infer<typeof openRouterModelsSchema>["data"][number]): boolean {
  const outputs = model.architecture?.output_modalities;
  if (outputs) return outputs.includes("text");
  const modality = model.architecture?.modality;
  return modality ? /->.*text/.test(modality) : true;
}

async function fetchModels(provider: ProviderId): Promise<ModelOption[]> {
  const url = provider === "chutes" ? `${env().CHUTES_LLM_URL}/models` : `${env().OPENROUTER_API_URL}/models`;
  const response = await fetch(url, { signal: AbortSignal.timeout(env().QUIRE_VALIDATION_TIMEOUT_MS), headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`model list answered ${response.status}`);
  const json: unknown = await response.json();
  if (provider === "chutes") {
    return chutesModelsSchema
      .parse(json)
      .data.map((model) => ({ id: model.id, name: model.id, contextLength: model.max_model_len ?? null }));
  }
  return openRouterModelsSchema
    .parse(json)
    .data.filter(isChatModel)
    .map((model) => ({ id: model.id, name: model.name ?? model.id, contextLength: model.context_length ?? null }));
}

/** The chat models of a provider, cached for ten minutes; a short built-in list when the provider can't be asked. */
export async function listModels(provider: ProviderId): Promise<ModelList> {
  const defaultModel = defaultChatModel(provider);
  const cached = cache.get(provider);
  if (cached && Date.now() - cached.at < CACHE_MS) return { provider, defaultModel, models: cached.models, fallback: false };
  try {
    const models = (await fetchModels(provider)).sort((left, right) => left.id.localeCompare(right.id));
    cache.set(provider, { at: Date.now(), models });
    return { provider, defaultModel, models, fallback: false };
  } catch (error) {
    log().warn({ provider, err: error }, "model list unavailable; using the built-in list");
    const ids = [defaultModel, ...fallbackModels[provider].filter((id) => id !== defaultModel)];
    return { provider, defaultModel, models: ids.map((id) => ({ id, name: id, contextLength: null })), fallback: true };
  }
}
