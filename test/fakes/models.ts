import { uuidFromSeed } from "./keys";

/** Fixed so that model lists are byte-for-byte stable between runs. */
const CREATED = 1_750_000_000;

interface ChutesModel {
  id: string;
  root: string;
  maxModelLen: number;
  inputUsd: number;
  outputUsd: number;
  tee: boolean;
}

/** llm.chutes.ai models (PROTOCOLS §1.3). The first is the app's default. */
const CHUTES_LLM_MODELS: ChutesModel[] = [
  { id: "deepseek-ai/DeepSeek-V3.2-TEE", root: "deepseek-ai/DeepSeek-V3.2", maxModelLen: 163_840, inputUsd: 0.25, outputUsd: 0.38, tee: true },
  { id: "deepseek-ai/DeepSeek-R1-0528-TEE", root: "deepseek-ai/DeepSeek-R1-0528", maxModelLen: 163_840, inputUsd: 0.4, outputUsd: 1.75, tee: true },
  { id: "Qwen/Qwen3-235B-A22B-Instruct-2507", root: "Qwen/Qwen3-235B-A22B-Instruct-2507", maxModelLen: 262_144, inputUsd: 0.08, outputUsd: 0.55, tee: false },
  { id: "zai-org/GLM-4.6-TEE", root: "zai-org/GLM-4.6", maxModelLen: 202_752, inputUsd: 0.4, outputUsd: 1.75, tee: true },
  { id: "openai/gpt-oss-120b", root: "openai/gpt-oss-120b", maxModelLen: 131_072, inputUsd: 0.04, outputUsd: 0.4, tee: false },
];

export const CHUTES_EMBED_MODEL = "BAAI/bge-m3";

export function chuteIdFor(model: string): string {
  return uuidFromSeed(`chute:${model}`);
}

function chuteSlug(model: string): string {
  return `chutes-${model.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
}

/** Looks a model up the way llm.chutes.ai routes: the `:THINKING` suffix only switches reasoning on. */
export function findChutesModel(model: string): { id: string; thinking: boolean } | undefined {
  const thinking = model.endsWith(":THINKING");
  const base = thinking ? model.slice(0, -":THINKING".length) : model;
  const found = CHUTES_LLM_MODELS.find((candidate) => candidate.id === base);
  return found === undefined ? undefined : { id: found.id, thinking };
}

export function chutesModelList(): unknown {
  return {
    object: "list",
    data: CHUTES_LLM_MODELS.map((model) => ({
      id: model.id,
      object: "model",
      created: CREATED,
      owned_by: "vllm",
      root: model.root,
      max_model_len: model.maxModelLen,
      chute_id: chuteIdFor(model.id),
      confidential_compute: model.tee,
      price: {
        input: { usd: model.inputUsd, tao: model.inputUsd / 350 },
        output: { usd: model.outputUsd, tao: model.outputUsd / 350 },
        input_cache_read: { usd: model.inputUsd / 2 },
      },
      pricing: { prompt: model.inputUsd, completion: model.outputUsd, input_cache_read: model.inputUsd / 2 },
    })),
  };
}

function chuteItem(name: string, template: string, tee: boolean): Record<string, unknown> {
  return {
    chute_id: chuteIdFor(name),
    name,
    slug: chuteSlug(name),
    tagline: `${name} on Chutes`,
    readme: "",
    standard_template: template,
    public: true,
    tee,
    version: "1",
    created_at: "2025-06-01T00:00:00",
    updated_at: "2025-06-01T00:00:00",
    invocation_count: 0,
    image: { name: template, tag: "latest" },
    user: { username: "chutes" },
    cords: [],
    instances: [],
    supported_gpus: [],
    node_selector: {},
    logo_id: null,
    openrouter: template === "vllm",
    preemptible: false,
  };
}

/** GET /chutes/ (PROTOCOLS §1.6), filtered by the query fields QC uses. */
export function chutesChuteList(query: Record<string, string>): unknown {
  const all = [
    ...CHUTES_LLM_MODELS.map((model) => chuteItem(model.id, "vllm", model.tee)),
    chuteItem(CHUTES_EMBED_MODEL, "embedding", false),
  ];
  const matches = all.filter(
    (item) =>
      (query.template === undefined || item.standard_template === query.template) &&
      (query.slug === undefined || item.slug === query.slug) &&
      (query.name === undefined || String(item.name).toLowerCase().includes(query.name.toLowerCase())),
  );
  const limit = Math.min(Math.max(Number(query.limit ?? 25) || 25, 1), 5000);
  const page = Math.min(Math.max(Number(query.page ?? 0) || 0, 0), 100);
  return { total: matches.length, page, limit, cord_refs: null, items: matches.slice(page * limit, (page + 1) * limit) };
}

interface OpenRouterModel {
  id: string;
  name: string;
  contextLength: number;
  prompt: string;
  completion: string;
  output: string[];
}

/** Includes embedding and image models so that an app has to filter to chat models. */
const OPENROUTER_MODELS: OpenRouterModel[] = [
  { id: "deepseek/deepseek-chat-v3.1", name: "DeepSeek: DeepSeek V3.1", contextLength: 163_840, prompt: "0.0000002", completion: "0.0000008", output: ["text"] },
  { id: "deepseek/deepseek-v3.2", name: "DeepSeek: DeepSeek V3.2", contextLength: 163_840, prompt: "0.00000025", completion: "0.00000038", output: ["text"] },
  { id: "deepseek/deepseek-r1", name: "DeepSeek: R1", contextLength: 163_840, prompt: "0.0000004", completion: "0.000002", output: ["text"] },
  { id: "openai/gpt-4o-mini", name: "OpenAI: GPT-4o-mini", contextLength: 128_000, prompt: "0.00000015", completion: "0.0000006", output: ["text"] },
  { id: "anthropic/claude-sonnet-4.5", name: "Anthropic: Claude Sonnet 4.5", contextLength: 1_000_000, prompt: "0.000003", completion: "0.000015", output: ["text"] },
  { id: "meta-llama/llama-3.3-70b-instruct:free", name: "Meta: Llama 3.3 70B Instruct (free)", contextLength: 131_072, prompt: "0", completion: "0", output: ["text"] },
  { id: "google/gemini-2.5-flash-image", name: "Google: Gemini 2.5 Flash Image", contextLength: 32_768, prompt: "0.0000003", completion: "0.0000025", output: ["image", "text"] },
  { id: "baai/bge-m3", name: "BAAI: bge-m3", contextLength: 8_192, prompt: "0.00000001", completion: "0", output: ["embeddings"] },
  { id: "openai/text-embedding-3-small", name: "OpenAI: Text Embedding 3 Small", contextLength: 8_192, prompt: "0.00000002", completion: "0", output: ["embeddings"] },
];

export function findOpenRouterModel(id: string): { id: string; kind: "chat" | "embedding" | "other" } | undefined {
  const found = OPENROUTER_MODELS.find((model) => model.id === id);
  if (found === undefined) return undefined;
  const kind = found.output.includes("embeddings") ? "embedding" : found.output.includes("text") ? "chat" : "other";
  return { id: found.id, kind };
}

export function openrouterModelList(): unknown {
  return {
    data: OPENROUTER_MODELS.map((model) => {
      const embedding = model.output.includes("embeddings");
      return {
        id: model.id,
        canonical_slug: model.id.replace(/:free$/, ""),
        name: model.name,
        created: CREATED,
        description: `${model.name} (fake catalogue entry).`,
        context_length: model.contextLength,
        architecture: {
          modality: `text->${model.output.join("+")}`,
          input_modalities: ["text"],
          output_modalities: model.output,
          tokenizer: "Other",
          instruct_type: null,
        },
        pricing: { prompt: model.prompt, completion: model.completion, request: "0", image: "0", web_search: "0", internal_reasoning: "0" },
        top_provider: { context_length: model.contextLength, max_completion_tokens: embedding ? null : 16_384, is_moderated: false },
        per_request_limits: null,
        supported_parameters: embedding ? [] : ["max_tokens", "temperature", "top_p", "stop", "reasoning", "include_reasoning", "tools"],
        default_parameters: null,
      };
    }),
  };
}
