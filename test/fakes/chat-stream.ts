import { randomUUID } from "node:crypto";
import { dropConnection, sendJson, sleep, writeHead, type Exchange } from "./http";
import { countTokens, defaultReply, lastUserMessage, promptTokenCount, splitIntoTokens, type ChatBody } from "./reply";
import { DONE_EVENT, EVENT_STREAM_HEADERS, commentEvent, writeChunk } from "./sse";
import type { Behavior } from "./types";

/** Everything decided before the first byte of a chat answer. */
export interface ChatPlan {
  id: string;
  created: number;
  model: string;
  tokens: string[];
  reasoning: string | null;
  promptTokens: number;
  finishReason: "stop" | "length";
  behavior: Behavior;
}

/** The provider-specific wire format of a chat answer. */
export interface ChatFormat {
  headers: Record<string, string>;
  /** OpenRouter sends headers and a comment at once and keeps commenting while it waits. */
  keepAliveComment: string | null;
  /** Events before the first content token: role and reasoning. */
  preamble(plan: ChatPlan): string[];
  content(plan: ChatPlan, token: string, completionTokens: number): string;
  /** Finish chunk and usage chunk. */
  finish(plan: ChatPlan, completionTokens: number): string[];
  /** The in-band credit error after output started. */
  midstreamError(plan: ChatPlan, completionTokens: number): string;
  completion(plan: ChatPlan): unknown;
}

const KEEP_ALIVE_INTERVAL_MS = 1000;
const DROP_GRACE_MS = 25;

function tokenIntervalMs(behavior: Behavior): number {
  const rate = behavior.tokensPerSecond;
  return rate !== undefined && rate > 0 ? 1000 / rate : 0;
}

/** Waits out firstTokenDelayMs, sending keep-alive comments where the provider does. */
async function waitForFirstToken(exchange: Exchange, format: ChatFormat, delayMs: number): Promise<boolean> {
  let remaining = delayMs;
  while (remaining > 0) {
    const step = format.keepAliveComment === null ? remaining : Math.min(remaining, KEEP_ALIVE_INTERVAL_MS);
    if (!(await sleep(step, exchange.signal))) return false;
    remaining -= step;
    if (remaining > 0 && format.keepAliveComment !== null) {
      if (!(await writeChunk(exchange, commentEvent(format.keepAliveComment)))) return false;
    }
  }
  return true;
}

/** Where a stream stops early: after how many content tokens, and how. */
function earlyStop(plan: ChatPlan): { after: number; kind: "drop" | "credits" } | undefined {
  const { behavior, tokens } = plan;
  const stops: { after: number; kind: "drop" | "credits" }[] = [];
  if (behavior.dropAfterTokens !== undefined) stops.push({ after: behavior.dropAfterTokens, kind: "drop" });
  if (behavior.creditsExhausted === "midstream") stops.push({ after: behavior.midstreamAfterTokens ?? 3, kind: "credits" });
  stops.sort((left, right) => left.after - right.after);
  const first = stops[0];
  return first === undefined ? undefined : { after: Math.min(Math.max(first.after, 0), tokens.length), kind: first.kind };
}

/**
 * Streams a chat answer with the knobs applied: first-token delay, pacing,
 * dropped connections and in-band credit errors (PROTOCOLS §1.2, §2.1).
 */
export async function streamChat(exchange: Exchange, plan: ChatPlan, format: ChatFormat): Promise<void> {
  const delayMs = plan.behavior.firstTokenDelayMs ?? 0;
  // Chutes buffers the first chunk, so nothing (not even headers) leaves before it.
  if (format.keepAliveComment === null && !(await sleep(delayMs, exchange.signal))) return;
  writeHead(exchange, 200, { ...EVENT_STREAM_HEADERS, ...format.headers });
  if (format.keepAliveComment !== null) {
    if (!(await writeChunk(exchange, commentEvent(format.keepAliveComment)))) return;
    if (!(await waitForFirstToken(exchange, format, delayMs))) return;
  }
  for (const event of format.preamble(plan)) if (!(await writeChunk(exchange, event))) return;

  const stop = earlyStop(plan);
  const interval = tokenIntervalMs(plan.behavior);
  for (let sent = 0; sent <= plan.tokens.length; sent++) {
    if (stop?.after === sent) {
      if (stop.kind === "drop") {
        // Let the client take in what was sent first, as with a real upstream crash mid-answer;
        // an instant reset can make the client fail before it has even seen the headers.
        if (await sleep(DROP_GRACE_MS, exchange.signal)) dropConnection(exchange);
        return;
      }
      await writeChunk(exchange, format.midstreamError(plan, sent));
      exchange.response.end();
      return;
    }
    const token = plan.tokens[sent];
    if (token === undefined) break;
    if (sent > 0 && !(await sleep(interval, exchange.signal))) return;
    if (!(await writeChunk(exchange, format.content(plan, token, sent + 1)))) return;
  }
  for (const event of format.finish(plan, plan.tokens.length)) if (!(await writeChunk(exchange, event))) return;
  if (!(await writeChunk(exchange, DONE_EVENT))) return;
  exchange.response.end();
}

/** A non-stream answer: the same delays in total, then one JSON body (or a cut connection). */
export async function completeChat(exchange: Exchange, plan: ChatPlan, format: ChatFormat): Promise<void> {
  const { behavior } = plan;
  const pacing = tokenIntervalMs(behavior) * Math.max(plan.tokens.length - 1, 0);
  if (!(await sleep((behavior.firstTokenDelayMs ?? 0) + pacing, exchange.signal))) return;
  if (behavior.dropAfterTokens !== undefined) return dropConnection(exchange);
  sendJson(exchange, 200, format.completion(plan), format.headers);
}

export function completionTokens(plan: ChatPlan, count: number): number {
  return count + (plan.reasoning === null ? 0 : countTokens(plan.reasoning));
}

/** Reasoning text used when a provider reasons and no behavior overrides it. */
export function defaultReasoning(question: string): string {
  return `The user asks about "${question.slice(0, 40)}". I will answer from the numbered sources.`;
}

/**
 * Decides the answer: behavior.completionReply for a non-streamed request, else
 * behavior.reply, else the server's reply function, else the deterministic default;
 * cut to max_tokens with finish_reason "length".
 */
export function planChat(
  exchange: Exchange,
  body: ChatBody,
  input: { behavior: Behavior; model: string; reasoning: boolean; idPrefix: string },
): ChatPlan {
  const question = lastUserMessage(body.messages);
  const { behavior, model } = input;
  const replyFunction = exchange.context.settings.chatReply;
  const text =
    (body.stream === true ? undefined : behavior.completionReply) ??
    behavior.reply ??
    replyFunction?.({ lastUserMessage: question, model, messages: body.messages }) ?? defaultReply(question);
  let tokens = splitIntoTokens(text);
  let finishReason: ChatPlan["finishReason"] = "stop";
  const maxTokens = body.max_tokens ?? undefined;
  if (maxTokens !== undefined && tokens.length > maxTokens) {
    tokens = tokens.slice(0, maxTokens);
    finishReason = "length";
  }
  return {
    id: `${input.idPrefix}${randomUUID().replace(/-/g, "").slice(0, 24)}`,
    created: Math.floor(Date.now() / 1000),
    model,
    tokens,
    reasoning: behavior.reasoning !== undefined ? behavior.reasoning : input.reasoning ? defaultReasoning(question) : null,
    promptTokens: promptTokenCount(body.messages),
    finishReason,
    behavior,
  };
}
