import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";

/** Helpers shared by the fakes' own tests (not by the app's tests). */

export interface StreamEvent {
  kind: "data" | "comment" | "raw";
  value: string;
}

/** Splits an SSE body into data events, comments and bare lines (Chutes' mid-stream errors). */
export function parseEvents(text: string): StreamEvent[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line): StreamEvent => {
      if (line.startsWith("data: ")) return { kind: "data", value: line.slice("data: ".length) };
      if (line.startsWith(":")) return { kind: "comment", value: line.slice(1).trim() };
      return { kind: "raw", value: line };
    });
}

/** The JSON payloads of the data events, without [DONE]. */
export function dataPayloads(events: StreamEvent[]): unknown[] {
  return events
    .filter((event) => event.kind === "data" && event.value !== "[DONE]")
    .map((event) => JSON.parse(event.value) as unknown);
}

export const usageSchema = z.object({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number(),
});

export const chutesChunkSchema = z.strictObject({
  id: z.string().startsWith("chatcmpl-"),
  object: z.literal("chat.completion.chunk"),
  created: z.number(),
  model: z.string(),
  choices: z.array(
    z.strictObject({
      index: z.literal(0),
      delta: z.strictObject({ role: z.literal("assistant").optional(), content: z.string().optional(), reasoning_content: z.string().optional() }),
      finish_reason: z.string().nullable(),
    }),
  ),
  usage: usageSchema,
});

export const openrouterChunkSchema = z.looseObject({
  id: z.string().startsWith("gen-"),
  provider: z.string(),
  model: z.string(),
  object: z.literal("chat.completion.chunk"),
  created: z.number(),
  choices: z.array(
    z.looseObject({
      index: z.literal(0),
      delta: z.looseObject({ role: z.literal("assistant").optional(), content: z.string().optional(), reasoning: z.string().optional() }),
      finish_reason: z.string().nullable(),
    }),
  ),
  usage: usageSchema.optional(),
  error: z.looseObject({ code: z.number(), message: z.string(), metadata: z.looseObject({ limit_source: z.string() }) }).optional(),
});

/** Reads a body chunk by chunk, noting when each arrived. */
export async function readTimed(response: Response): Promise<{ text: string; at: number }[]> {
  const reader = response.body?.getReader();
  if (reader === undefined) return [];
  const decoder = new TextDecoder();
  const chunks: { text: string; at: number }[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push({ text: decoder.decode(value, { stream: true }), at: Date.now() });
  }
}

/** Reads as much of a body as arrives before the connection breaks. */
export async function readUntilBroken(response: Response): Promise<{ text: string; error: unknown }> {
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const result = await reader?.read();
      if (result === undefined || result.done) return { text, error: undefined };
      text += decoder.decode(result.value, { stream: true });
    }
  } catch (error) {
    return { text, error };
  }
}

export function postJson(url: string, body: unknown, authorization?: string): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (authorization !== undefined) headers.authorization = authorization;
  return fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
}

export function postForm(url: string, fields: Record<string, string>, authorization?: string): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (authorization !== undefined) headers.authorization = authorization;
  return fetch(url, { method: "POST", headers, body: new URLSearchParams(fields).toString() });
}

export function chatBody(question: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { messages: [{ role: "system", content: "Answer from the sources." }, { role: "user", content: question }], ...extra };
}

export const CHUTES_MODEL = "deepseek-ai/DeepSeek-V3.2-TEE";
export const OPENROUTER_MODEL = "deepseek/deepseek-chat-v3.1";

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** The content deltas of a Chutes or OpenRouter stream, joined. */
export function joinedContent(payloads: unknown[]): string {
  const deltaSchema = z.looseObject({
    choices: z.array(z.looseObject({ delta: z.looseObject({ content: z.string().optional() }) })),
  });
  return payloads.map((payload) => deltaSchema.parse(payload).choices[0]?.delta.content ?? "").join("");
}
