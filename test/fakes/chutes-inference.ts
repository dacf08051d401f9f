import { randomUUID } from "node:crypto";
import { z } from "zod";
import { INVOKE_SCOPES, authenticateChutes } from "./chutes-auth";
import { completeChat, completionTokens, planChat, streamChat, type ChatFormat, type ChatPlan } from "./chat-stream";
import { embedInputs, embeddingInputSchema, holdResponse } from "./embedding-response";
import { sendJson, type Exchange } from "./http";
import { bearerToken } from "./keys";
import { CHUTES_EMBED_MODEL, chuteIdFor, chutesModelList, findChutesModel } from "./models";
import { CHUTES_QUOTA_MESSAGE, behaviorFailure, chutesFailure } from "./provider-errors";
import { chatBodySchema } from "./reply";
import { dataEvent } from "./sse";
import type { Behavior } from "./types";

/** Authenticates an inference request; sends the error and returns undefined on failure. */
function inferenceBehavior(exchange: Exchange): Behavior | undefined {
  const { context, record } = exchange;
  const behavior = context.behaviors.forInference("chutes", bearerToken(record.authorization));
  const auth = authenticateChutes(context, record.authorization, { surface: "inference", behavior, anyScope: INVOKE_SCOPES });
  if (auth.ok) return behavior;
  sendJson(exchange, auth.status, { detail: auth.detail });
  return undefined;
}

/** Usage after `count` content tokens; -1 means the role chunk, before any output (reasoning included otherwise). */
function usage(plan: ChatPlan, count: number): Record<string, number> {
  const completion = count < 0 ? 0 : completionTokens(plan, count);
  return { prompt_tokens: plan.promptTokens, completion_tokens: completion, total_tokens: plan.promptTokens + completion };
}

/** vLLM chunks with continuous usage, as llm.chutes.ai relays them (PROTOCOLS §1.2). */
function chutesFormat(): ChatFormat {
  const chunk = (plan: ChatPlan, delta: Record<string, string>, finishReason: string | null, count: number) =>
    dataEvent({
      id: plan.id,
      object: "chat.completion.chunk",
      created: plan.created,
      model: plan.model,
      choices: [{ index: 0, delta, finish_reason: finishReason }],
      usage: usage(plan, count),
    });
  return {
    headers: { "x-chutes-invocationid": randomUUID() },
    keepAliveComment: null,
    preamble: (plan) => [
      chunk(plan, { role: "assistant", content: "" }, null, -1),
      ...(plan.reasoning === null ? [] : [chunk(plan, { reasoning_content: plan.reasoning }, null, 0)]),
    ],
    content: (plan, token, count) => chunk(plan, { content: token }, null, count),
    finish: (plan, count) => [
      chunk(plan, {}, plan.finishReason, count),
      dataEvent({ id: plan.id, object: "chat.completion.chunk", created: plan.created, model: plan.model, choices: [], usage: usage(plan, count) }),
    ],
    // After output started, Chutes reports errors as a bare JSON line, not an SSE event.
    midstreamError: () => `${JSON.stringify({ error: `Unhandled exception during response stream: ${CHUTES_QUOTA_MESSAGE}` })}\n\n`,
    completion: (plan) => ({
      id: plan.id,
      object: "chat.completion",
      created: plan.created,
      model: plan.model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: plan.tokens.join(""), reasoning_content: plan.reasoning, tool_calls: [] },
          finish_reason: plan.finishReason,
        },
      ],
      usage: usage(plan, plan.tokens.length),
    }),
  };
}

/** POST /chat/completions on CHUTES_LLM_URL: model-routed, so an unknown model is a 404. */
async function chat(exchange: Exchange): Promise<void> {
  const behavior = inferenceBehavior(exchange);
  if (behavior === undefined) return;
  const parsed = chatBodySchema.safeParse(exchange.body);
  if (!parsed.success) return sendJson(exchange, 400, { detail: `Invalid request JSON: ${z.prettifyError(parsed.error)}` });
  const body = parsed.data;
  const found = body.model === null || body.model === undefined ? undefined : findChutesModel(body.model);
  if (found === undefined) return sendJson(exchange, 404, { detail: `model not found: ${body.model ?? "None"}` });
  const streaming = body.stream === true;
  const failure = behaviorFailure(behavior, { streaming, credits: true });
  if (failure !== undefined) {
    const error = chutesFailure(failure, behavior, chuteIdFor(found.id));
    return sendJson(exchange, error.status, error.body, error.headers);
  }
  const thinking =
    found.thinking ||
    exchange.record.headers["x-enable-thinking"] === "true" ||
    body.chat_template_kwargs?.thinking === true;
  const plan = planChat(exchange, body, { behavior, model: found.id, reasoning: thinking, idPrefix: "chatcmpl-" });
  await (streaming ? streamChat(exchange, plan, chutesFormat()) : completeChat(exchange, plan, chutesFormat()));
}

const chutesEmbeddingBodySchema = z.looseObject({ input: embeddingInputSchema, model: z.string().nullish() });

/**
 * POST /embeddings on CHUTES_EMBED_URL. That is a per-chute host, which
 * rewrites `model`, so any (or no) model is accepted (PROTOCOLS §1.2, §1.4).
 */
async function embeddings(exchange: Exchange): Promise<void> {
  const behavior = inferenceBehavior(exchange);
  if (behavior === undefined) return;
  const parsed = chutesEmbeddingBodySchema.safeParse(exchange.body);
  if (!parsed.success) return sendJson(exchange, 400, { detail: `Invalid request JSON: ${z.prettifyError(parsed.error)}` });
  const failure = behaviorFailure(behavior, { streaming: false, credits: true });
  if (failure !== undefined) {
    const error = chutesFailure(failure, behavior, chuteIdFor(CHUTES_EMBED_MODEL));
    return sendJson(exchange, error.status, error.body, error.headers);
  }
  if (!(await holdResponse(exchange, behavior))) return;
  const embedded = embedInputs(parsed.data.input);
  sendJson(exchange, 200, {
    id: `embd-${randomUUID().replace(/-/g, "")}`,
    object: "list",
    model: CHUTES_EMBED_MODEL,
    data: embedded.data,
    usage: { prompt_tokens: embedded.promptTokens, total_tokens: embedded.promptTokens, completion_tokens: 0, prompt_tokens_details: null },
  });
}

/** Routes under CHUTES_LLM_URL. */
export async function handleChutesLlm(exchange: Exchange): Promise<void> {
  const { method, path } = exchange.record;
  if (method === "POST" && path === "/chat/completions") return chat(exchange);
  if (method === "GET" && path === "/models") return sendJson(exchange, 200, chutesModelList());
  sendJson(exchange, 404, { detail: "Not Found" });
}

/** Routes under CHUTES_EMBED_URL. */
export async function handleChutesEmbed(exchange: Exchange): Promise<void> {
  const { method, path } = exchange.record;
  if (method === "POST" && path === "/embeddings") return embeddings(exchange);
  sendJson(exchange, 404, { detail: "Not Found" });
}
