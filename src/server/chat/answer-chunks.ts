import "server-only";
import type { UIMessageChunk } from "ai";
import { log } from "@/src/server/log";
import type { ChatModel } from "@/src/server/providers/create-model";

/**
 * The answer's relay: the chat model's own stream (`doStream`, the AI SDK's provider interface)
 * written as UI message chunks, without `streamText` in between.
 *
 * `streamText` is the SDK's general loop (steps, tools, telemetry, several teed streams) and its
 * `toUIMessageStream` adds two more stream stages. Quire's answer is one step without tools. Per
 * relayed event that chain cost 70-85 us of CPU against 15 us for the UI stream and its response
 * (a micro-benchmark without network), and 200 concurrent chats took 41-43 ms of server CPU each
 * through it, against 31 ms through this (bench:load, alternating runs on a server not warmed up;
 * the relay alone 205-210 vs 116-120 ms per 1,000 tokens). The provider's parsing of the wire and
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

/** The model's stream parts, read one at a time. */
export interface ModelParts {
  read(): Promise<ReadableStreamReadResult<ModelStreamPart>>;
  /** Lets the provider's response go: the consumer stopped before its end. */
  cancel(): void;
}

/**
 * The parts of a started call, read from its start, before anyone asks for them.
 *
 * The first-token gate opens when the guard (first-token-gate.ts) reads the first token, and
 * the guard reads only as far as the stream behind it is pulled; nobody pulls the answer until
 * the gate has opened. A provider may send many events before the first token (OpenRouter's
 * `: OPENROUTER PROCESSING` comments while a model starts, a role event, empty deltas): read
 * lazily, they would fill the few places of the pipes' queues and stall the guard until the
 * first-token timeout. So the parts are read ahead, one read at a time, until the consumer's
 * first `read()`; from then on they are read as it asks (back pressure to the provider again).
 */
export function readFromStart(started: PromiseLike<StreamResult>): ModelParts {
  const opened = Promise.resolve(started).then(({ stream }) => stream.getReader());
  opened.catch(() => undefined);
  const readAhead: Promise<ReadableStreamReadResult<ModelStreamPart>>[] = [];
  let taken = false;
  void (async () => {
    const reader = await opened;
    while (!taken) {
      const next = reader.read();
      readAhead.push(next);
      if ((await next).done) return;
    }
  })().catch(() => undefined); // a failed read is the consumer's, in its place in the queue
  return {
    read() {
      taken = true;
      return readAhead.shift() ?? opened.then((reader) => reader.read());
    },
    cancel() {
      taken = true;
      opened.then((reader) => reader.cancel()).catch(() => undefined);
    },
  };
}

/**
 * Yields the model's parts as UI message chunks, as `streamText` and `toUIMessageStream` would
 * for a single step:
 * - the step starts with the stream's first part (a call that fails before its stream has none);
 * - a text or reasoning part whose id the provider uses again (it names every text part `txt-0`)
 *   gets a fresh one, so that each part has its own;
 * - empty deltas are skipped, and so are the provider's bookkeeping parts (stream start,
 *   response metadata, raw chunks);
 * - tool and file parts are not sent: Quire offers the model no tools, and a model that calls
 *   one anyway is logged;
 * - a failure (the call rejecting, the stream erroring, or an error part) becomes an `error`
 *   chunk with `errorText(error)`; once `signal` has aborted, it becomes one `abort` chunk
 *   instead, and the reading stops, the client having gone.
 */
export async function* answerChunks(
  parts: ModelParts,
  options: { signal: AbortSignal; errorText: (error: unknown) => string },
): AsyncGenerator<AnswerChunk> {
  let stepStarted = false;
  let ended = false;
  let toolCalled = false;
  const partIds = partIdsOfOneStep();
  try {
    for (;;) {
      const read = await parts.read();
      if (read.done) break;
      if (!stepStarted) {
        stepStarted = true;
        yield { type: "start-step" };
      }
      const part = read.value;
      if (part.type === "error") {
        const failure = failureChunk(part.error, options);
        yield failure;
        // As streamText does, the stream goes on to its finish after an error part; not once the client has gone.
        if (failure.type === "abort") return;
        continue;
      }
      const chunk = toChunk(part, partIds);
      if (chunk === undefined) {
        if (part.type.startsWith("tool-") && !toolCalled) {
          toolCalled = true;
          log().warn({ part: part.type }, "the model called a tool, and Quire offers none: the call is not relayed");
        }
        continue;
      }
      if (chunk.type === "finish") yield { type: "finish-step" };
      yield chunk;
    }
    ended = true;
  } catch (error) {
    ended = true;
    yield failureChunk(error, options);
  } finally {
    if (!ended) parts.cancel();
  }
}

/** The chunk of one model part (errors aside), or undefined for a part that is not sent. */
function toChunk(part: ModelStreamPart, ids: ReturnType<typeof partIdsOfOneStep>): AnswerChunk | undefined {
  switch (part.type) {
    case "text-start":
    case "reasoning-start":
      return { type: part.type, id: ids.start(part.id) };
    case "text-end":
    case "reasoning-end":
      return { type: part.type, id: ids.end(part.id) };
    case "text-delta":
    case "reasoning-delta":
      return part.delta === "" ? undefined : { type: part.type, id: ids.of(part.id), delta: part.delta };
    case "finish":
      return { type: "finish", finishReason: part.finishReason.unified };
    default:
      return undefined;
  }
}

/** Part ids unique within the step: a provider id used again for a later part is given a suffix. */
function partIdsOfOneStep() {
  const used = new Set<string>();
  const open = new Map<string, string>();
  return {
    start(id: string): string {
      let unique = id;
      for (let count = 1; used.has(unique); count++) unique = `${id}-${count}`;
      used.add(unique);
      open.set(id, unique);
      return unique;
    },
    of: (id: string): string => open.get(id) ?? id,
    end(id: string): string {
      const unique = open.get(id) ?? id;
      open.delete(id);
      return unique;
    },
  };
}

function failureChunk(error: unknown, options: { signal: AbortSignal; errorText: (error: unknown) => string }): AnswerChunk {
  return options.signal.aborted ? { type: "abort" } : { type: "error", errorText: options.errorText(error) };
}
