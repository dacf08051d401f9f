import { randomUUID } from "node:crypto";
import { z } from "zod";
import { embedInputs, embeddingInputSchema, holdResponse } from "./embedding-response";
import { sendJson, type Exchange } from "./http";
import { findOpenRouterModel, openrouterModelList } from "./models";
import { authenticateOpenRouter } from "./openrouter-auth";
import { openrouterChat } from "./openrouter-chat";
import { behaviorFailure, openrouterError, openrouterFailure } from "./provider-errors";
import type { Behavior } from "./types";

const KEY_USAGE = 25.5;
const CREDITS_USAGE = 25.75;
const DEFAULT_CREDITS_BALANCE = 74.75;

/** Sends the error for a non-credit knob on an account endpoint; true if one was sent. */
function sentAccountFailure(exchange: Exchange, behavior: Behavior): boolean {
  const failure = behaviorFailure(behavior, { streaming: false, credits: false });
  if (failure === undefined) return false;
  const error = openrouterFailure(failure, behavior, "(account)");
  sendJson(exchange, error.status, error.body, error.headers);
  return true;
}

function limitRemaining(behavior: Behavior, limit: number | null): number | null {
  if (behavior.limitRemaining !== undefined) return behavior.limitRemaining;
  if (limit === null) return null;
  if (behavior.creditsExhausted !== undefined && behavior.openrouterLimitSource === "openrouter_key_limit") return 0;
  return Math.max(limit - KEY_USAGE, 0);
}

/** GET /key and its legacy alias /auth/key (PROTOCOLS §2.3). */
function currentKey(exchange: Exchange): void {
  const authenticated = authenticateOpenRouter(exchange, false);
  if (authenticated === undefined || sentAccountFailure(exchange, authenticated.behavior)) return;
  const { key, behavior } = authenticated;
  const limit = behavior.limit === undefined ? null : behavior.limit;
  const management = exchange.context.keys.isManagementKey(key);
  sendJson(exchange, 200, {
    data: {
      label: `${key.slice(0, 11)}...${key.slice(-3)}`,
      limit,
      limit_remaining: limitRemaining(behavior, limit),
      limit_reset: limit === null ? null : "monthly",
      usage: KEY_USAGE,
      usage_daily: KEY_USAGE,
      usage_weekly: KEY_USAGE,
      usage_monthly: KEY_USAGE,
      byok_usage: 0,
      byok_usage_daily: 0,
      byok_usage_weekly: 0,
      byok_usage_monthly: 0,
      include_byok_in_limit: false,
      is_free_tier: false,
      is_management_key: management,
      is_provisioning_key: management,
      creator_user_id: "user_2fakeQuireTestUser",
      expires_at: null,
      rate_limit: { requests: 1000, interval: "1h", note: "This field is deprecated and safe to ignore." },
    },
  });
}

/** GET /credits: 200 for any key in legacy mode, management keys only in strict mode (PROTOCOLS §2.4). */
function credits(exchange: Exchange): void {
  const authenticated = authenticateOpenRouter(exchange, false);
  if (authenticated === undefined || sentAccountFailure(exchange, authenticated.behavior)) return;
  const { key, behavior } = authenticated;
  const { context } = exchange;
  if (context.settings.creditsMode === "strict" && !context.keys.isManagementKey(key)) {
    const error = openrouterError(403, "Only management keys can fetch credits. Create one at https://openrouter.ai/settings/management-keys");
    return sendJson(exchange, error.status, error.body);
  }
  const balance = behavior.balance ?? (behavior.creditsExhausted === undefined ? DEFAULT_CREDITS_BALANCE : 0);
  sendJson(exchange, 200, { data: { total_credits: CREDITS_USAGE + balance, total_usage: CREDITS_USAGE } });
}

const embeddingBodySchema = z.looseObject({ model: z.string().min(1), input: embeddingInputSchema });

/** POST /embeddings (PROTOCOLS §2.2): the `object` literals are what the OpenRouter SDK checks. */
async function embeddings(exchange: Exchange): Promise<void> {
  const authenticated = authenticateOpenRouter(exchange, true);
  if (authenticated === undefined) return;
  const { behavior } = authenticated;
  const parsed = embeddingBodySchema.safeParse(exchange.body);
  if (!parsed.success) {
    const error = openrouterError(400, `Invalid request: ${z.prettifyError(parsed.error)}`);
    return sendJson(exchange, error.status, error.body);
  }
  const { model, input } = parsed.data;
  if (findOpenRouterModel(model)?.kind !== "embedding") {
    const error = openrouterError(404, `${model} is not a valid embedding model ID`);
    return sendJson(exchange, error.status, error.body);
  }
  const failure = behaviorFailure(behavior, { streaming: false, credits: true });
  if (failure !== undefined) {
    const error = openrouterFailure(failure, behavior, model);
    return sendJson(exchange, error.status, error.body, error.headers);
  }
  if (!(await holdResponse(exchange, behavior))) return;
  const embedded = embedInputs(input);
  sendJson(exchange, 200, {
    id: `gen-emb-${randomUUID().replace(/-/g, "").slice(0, 24)}`,
    object: "list",
    model,
    provider: "DeepInfra",
    data: embedded.data,
    usage: { prompt_tokens: embedded.promptTokens, total_tokens: embedded.promptTokens, cost: embedded.promptTokens * 1e-8 },
  });
}

/** Routes under OPENROUTER_API_URL. */
export async function handleOpenRouter(exchange: Exchange): Promise<void> {
  const { method, path } = exchange.record;
  if (method === "POST" && path === "/chat/completions") return openrouterChat(exchange);
  if (method === "POST" && path === "/embeddings") return embeddings(exchange);
  if (method === "GET" && (path === "/key" || path === "/auth/key")) return currentKey(exchange);
  if (method === "GET" && path === "/credits") return credits(exchange);
  if (method === "GET" && path === "/models") return sendJson(exchange, 200, openrouterModelList());
  const error = openrouterError(404, "Not Found");
  sendJson(exchange, error.status, error.body);
}
