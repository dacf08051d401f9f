import "server-only";
import type { UIMessageChunk } from "ai";
import type { ChatModel } from "@/src/server/providers/create-model";

/**
 * The answer's relay: the chat model's own stream (`doStream`, the AI SDK's provider interface)
 * written as UI message chunks, without `streamText` in between.
 *
 * `streamText` is the SDK's general loop (steps, tools, telemetry, several teed streams) and its
 * `toUIMessageStream` adds two more stream stages. Quire's answer is one step without tools, and
 * that chain cost more CPU than all the rest of the relay: 200 concurrent chats took 41-43 ms of
 * server CPU each through it, against 31 ms through this (bench:load, alternating runs; the
 * relay alone 205-210 vs 116-120 ms per 1,000 tokens). The provider's parsing of the wire and
 * the UI stream protocol (`createUIMessageStream`) stay the SDK's.
 */

type StreamOptions = Parameters<ChatModel["doStream"]>[0];
export type AnswerPrompt = StreamOptions["prompt"];
type StreamResult = Awaited<ReturnType<ChatModel["doStream"]>>;
export type ModelStreamPart = StreamResult["stream"] extends ReadableStream<infer Part> ? Part : never;

/** The chunks an answer is written as: one step of text and reasoning, then its finish, or an error or abort. */
export type AnswerChunk = Extract<
  UIMessageChunk<never, never>,
  { type: "start-step" | "finish-step" | "text-start" | "text-delta" | "text-end" | "reasoning-start" | "reasoning-delta" | "reasoning-end" | "finish" | "error" | "abort" }
>;

/** The conversation as the model's prompt: the system text, then the turns that have text. */
export function answerPrompt(system: string, messages: readonly { role: "user" | "assistant"; text: string }[]): AnswerPrompt {
  const turns: AnswerPrompt = messages
    .filter((message) => message.text.trim() !== "")
    .map(({ role, text }) => ({ role, content: [{ type: "text", text }] }));
  return [{ role: "system", content: system }, ...turns];
}

/**
 * Reads the started stream and yields its parts as UI message chunks, as `toUIMessageStream`
 * would for a single step: empty text deltas are skipped, and the provider's bookkeeping parts
 * (stream start, response metadata, raw chunks) are not sent. Tool and file parts cannot occur
 * (the call has no tools) and are not sent either. A failure (the call rejecting, the stream
 * erroring, or an error part) becomes an `error` chunk with `errorText(error)`; once `signal`
 * has aborted, it becomes an `abort` chunk instead, the client having gone.
 */
export async function* answerChunks(
  started: PromiseLike<StreamResult>,
  options: { signal: AbortSignal; errorText: (error: unknown) => string },
): AsyncGenerator<AnswerChunk> {
  yield { type: "start-step" };
  let reader: ReadableStreamDefaultReader<ModelStreamPart> | undefined;
  let ended = false;
  try {
    reader = (await started).stream.getReader();
    for (;;) {
      const read = await reader.read();
      if (read.done) break;
      const part = read.value;
      switch (part.type) {
        case "text-start":
        case "text-end":
        case "reasoning-start":
        case "reasoning-end":
          yield { type: part.type, id: part.id };
          break;
        case "text-delta":
        case "reasoning-delta":
          if (part.delta !== "") yield { type: part.type, id: part.id, delta: part.delta };
          break;
        case "finish":
          yield { type: "finish-step" };
          yield { type: "finish", finishReason: part.finishReason.unified };
          break;
        case "error":
          // As streamText does, the stream goes on to its finish after an error part.
          yield failure(part.error, options);
          break;
        default:
          break;
      }
    }
    ended = true;
  } catch (error) {
    ended = true;
    yield failure(error, options);
  } finally {
    // The consumer stopped before the end: let the provider's response go.
    if (!ended) reader?.cancel().catch(() => undefined);
  }
}

function failure(error: unknown, options: { signal: AbortSignal; errorText: (error: unknown) => string }): AnswerChunk {
  return options.signal.aborted ? { type: "abort" } : { type: "error", errorText: options.errorText(error) };
}
