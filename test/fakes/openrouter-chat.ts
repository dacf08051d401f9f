import { z } from "zod";
import { completeChat, completionTokens, planChat, streamChat, type ChatFormat, type ChatPlan } from "./chat-stream";
import { sendJson, type Exchange } from "./http";
import { findOpenRouterModel } from "./models";
import { authenticateOpenRouter } from "./openrouter-auth";
import { behaviorFailure, openrouterCreditsError, openrouterError, openrouterFailure } from "./provider-errors";
import { chatBodySchema } from "./reply";
import { dataEvent } from "./sse";

const PROVIDER_NAME = "DeepInfra";

function usage(plan: ChatPlan, count: number): Record<string, unknown> {
  const completion = completionTokens(plan, count);
  return {
    prompt_tokens: plan.promptTokens,
    completion_tokens: completion,
    total_tokens: plan.promptTokens + completion,
    cost: Number(((plan.promptTokens + completion) * 0.000001).toFixed(8)),
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: completion - count },
  };
}

/** OpenRouter's chunk shape: role in every delta, `reasoning` (not `reasoning_content`), usage last (PROTOCOLS §2.1). */
function openrouterFormat(plan: ChatPlan): ChatFormat {
  const base = { id: plan.id, provider: PROVIDER_NAME, model: plan.model, object: "chat.completion.chunk", created: plan.created };
  const choice = (delta: Record<string, unknown>, finishReason: string | null) => ({
    index: 0,
    delta: { role: "assistant", ...delta },
    finish_reason: finishReason,
    native_finish_reason: finishReason,
    logprobs: null,
  });
  const reasoningDelta = (text: string) => ({ content: "", reasoning: text, reasoning_details: [{ type: "reasoning.text", text, index: 0 }] });
  return {
    headers: { "x-generation-id": plan.id },
    keepAliveComment: "OPENROUTER PROCESSING",
    preamble: () => (plan.reasoning === null ? [] : [dataEvent({ ...base, choices: [choice(reasoningDelta(plan.reasoning), null)] })]),
    content: (_plan, token) => dataEvent({ ...base, choices: [choice({ content: token }, null)] }),
    finish: (_plan, count) => [
      dataEvent({ ...base, choices: [choice({ content: "" }, plan.finishReason)] }),
      dataEvent({ ...base, choices: [choice({ content: "" }, null)], usage: usage(plan, count) }),
    ],
    // Mid-stream errors keep HTTP 200 and arrive as an event with an `error` field.
    midstreamError: () =>
      dataEvent({
        ...base,
        error: openrouterCreditsError(plan.behavior),
        choices: [{ index: 0, delta: { content: "" }, finish_reason: "error", native_finish_reason: "error" }],
      }),
    completion: () => ({
      id: plan.id,
      provider: PROVIDER_NAME,
      model: plan.model,
      object: "chat.completion",
      created: plan.created,
      choices: [
        {
          index: 0,
          finish_reason: plan.finishReason,
          native_finish_reason: plan.finishReason,
          logprobs: null,
          message: { role: "assistant", content: plan.tokens.join(""), reasoning: plan.reasoning, reasoning_details: [] },
        },
      ],
      usage: usage(plan, plan.tokens.length),
    }),
  };
}

/** POST /chat/completions (PROTOCOLS §2.1). */
export async function openrouterChat(exchange: Exchange): Promise<void> {
  const authenticated = authenticateOpenRouter(exchange, true);
  if (authenticated === undefined) return;
  const { behavior } = authenticated;
  const parsed = chatBodySchema.safeParse(exchange.body);
  if (!parsed.success) {
    const error = openrouterError(400, `Invalid request: ${z.prettifyError(parsed.error)}`);
    return sendJson(exchange, error.status, error.body);
  }
  const body = parsed.data;
  const model = body.model ?? "";
  const found = findOpenRouterModel(model);
  if (found?.kind !== "chat") {
    const error = openrouterError(404, `${model === "" ? "(no model)" : model} is not a valid model ID`);
    return sendJson(exchange, error.status, error.body);
  }
  const streaming = body.stream === true;
  const failure = behaviorFailure(behavior, { streaming, credits: true });
  if (failure !== undefined) {
    const error = openrouterFailure(failure, behavior, found.id);
    return sendJson(exchange, error.status, error.body, error.headers);
  }
  const reasoning = body.reasoning?.exclude !== true && body.reasoning?.enabled !== false && body.include_reasoning !== false;
  const plan = planChat(exchange, body, { behavior, model: found.id, reasoning, idPrefix: "gen-" });
  const format = openrouterFormat(plan);
  await (streaming ? streamChat(exchange, plan, format) : completeChat(exchange, plan, format));
}
