import "server-only";
import { createUIMessageStream, createUIMessageStreamResponse, type UIMessage } from "ai";
import type { Credential } from "@/src/server/credential";
import { AppError, toAppError } from "@/src/server/errors";
import { log } from "@/src/server/log";
import { appendSetCookies } from "@/src/server/set-cookie";
import { defaultChatModel } from "@/src/server/providers/config";
import { startAnswer } from "@/src/server/chat/stream-answer";
import { messageText, type ChatDataParts, type ChatMetadata, type ChatRequest, type Notice } from "@/src/shared/chat";
import type { ChatSource } from "@/src/shared/sources";
import { preflightBalance } from "@/src/server/chat/preflight";

export interface Retrieval {
  sources: ChatSource[];
  system: string;
  mode: "hybrid" | "fulltext" | "none";
  weak: boolean;
}

/** Finds the sources for a conversation through the same credential as the chat. */
export type Retriever = (input: {
  credential: Credential;
  messages: { role: "user" | "assistant"; text: string }[];
  signal: AbortSignal;
}) => Promise<Retrieval>;

export interface ChatInput {
  body: ChatRequest;
  credential: Credential;
  signal: AbortSignal;
  retrieve: Retriever;
  setCookies?: string[];
  baseFetch?: typeof fetch;
  /** `performance.now()` when the request arrived (the route's start), for the Server-Timing header. */
  receivedAt?: number;
}

/**
 * The `Server-Timing` header of a chat answer (shown by browsers' developer tools): how long
 * Quire took before retrieval (body, credential, limits), retrieval itself (embedding the
 * question through the user's provider, and the searches), and the provider until its first
 * token. Durations only, in milliseconds: nothing about the question or the credential.
 */
export function serverTiming(marks: { receivedAt: number; retrievalStart: number; retrievalEnd: number; firstToken: number }): string {
  const duration = (from: number, to: number) => Math.max(0, to - from).toFixed(1);
  return [
    `request;dur=${duration(marks.receivedAt, marks.retrievalStart)};desc="body and key checked"`,
    `retrieval;dur=${duration(marks.retrievalStart, marks.retrievalEnd)}`,
    `first-token;dur=${duration(marks.retrievalEnd, marks.firstToken)};desc="provider until its first token"`,
  ].join(", ");
}

/** A stream error's text: the AppError payload as JSON, so the client can show a card per code. */
export function streamErrorText(error: unknown, known?: AppError): string {
  const appError = known ?? toAppError(error);
  if (appError.code === "internal_error") log().error({ err: error }, "chat stream failed");
  else log().warn({ code: appError.code, provider: appError.provider }, "chat stream ended with an upstream error");
  return JSON.stringify(appError.toPayload());
}

/** A balance check that has not answered yet. */
const PENDING = Symbol("pending");

/** How long the end of an answer waits for a balance check that has not answered (it only ever warns). */
const NOTICE_GRACE_MS = 500;

function delay<T>(milliseconds: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), milliseconds).unref());
}

/**
 * parse → retrieve → prompt → stream. Sources are written before the answer as
 * `source-url` parts; failures before the first token become a JSON error with
 * a real status, failures after it an `error` part carrying the same code.
 */
export async function runChat(input: ChatInput): Promise<Response> {
  const { body, credential, signal } = input;
  const model = body.model ?? defaultChatModel(credential.provider);
  const history = body.messages.map((message) => ({ role: message.role, text: messageText(message) }));
  const last = history.at(-1);
  if (!last || last.role !== "user" || last.text.trim() === "") {
    throw new AppError("bad_request", "The last message must be a non-empty user message.");
  }
  const retrievalStart = performance.now();
  const retrieval = await input.retrieve({ credential, messages: history, signal });
  const retrievalEnd = performance.now();
  const { result, attempts, failure, model: answeringModel } = await startAnswer({
    credential,
    model,
    system: retrieval.system,
    messages: history,
    signal,
    baseFetch: input.baseFetch,
  });
  const timing = serverTiming({ receivedAt: input.receivedAt ?? retrievalStart, retrievalStart, retrievalEnd, firstToken: performance.now() });
  // The balance check starts once the response is on its way: beside retrieval it took the event
  // loop from it (1-2 ms of every chat's first token, bench:load). Its notice goes out with the
  // next streamed part after it answers, always before the answer's end, which waits for it at
  // most NOTICE_GRACE_MS.
  const balance: Promise<Notice | null> = new Promise<void>((resolve) => setImmediate(resolve))
    .then(() => preflightBalance(credential, signal))
    .catch(() => null);
  const metadata: ChatMetadata = {
    provider: credential.provider,
    model: answeringModel,
    ...(answeringModel !== model && { fallbackFrom: model }),
    credential: credential.source,
    retrieval: retrieval.mode,
    weak: retrieval.weak,
  };
  const stream = createUIMessageStream<UIMessage<ChatMetadata, ChatDataParts>>({
    execute: async ({ writer }) => {
      // One message: our own start (with metadata), the sources, then the model's parts.
      writer.write({ type: "start", messageMetadata: metadata });
      let notice: Notice | null | typeof PENDING = PENDING;
      void balance.then((value) => (notice = value));
      let noticeWritten = false;
      // Written once: as soon as the check has answered, or at the answer's end after a short grace.
      const writeNotice = async (atEnd: boolean) => {
        if (notice === PENDING && !atEnd) return;
        noticeWritten = true;
        const value = notice !== PENDING ? notice : await Promise.race([balance, delay(NOTICE_GRACE_MS, null)]);
        if (value) writer.write({ type: "data-notice", data: value, transient: true });
      };
      for (const source of retrieval.sources) {
        writer.write({
          type: "source-url",
          sourceId: source.id,
          url: source.href,
          title: source.title,
          providerMetadata: { quire: { ...source } },
        });
      }
      // The model's parts, copied as writer.merge would, so that the notice can go before the end.
      for await (const part of result.chunks((error) => streamErrorText(error, failure()))) {
        if (!noticeWritten) await writeNotice(part.type === "finish");
        writer.write(part);
      }
    },
    onError: streamErrorText,
  });
  // no-transform: Next.js (and proxies) would otherwise gzip the event stream, paying CPU on every flush.
  const headers = appendSetCookies(
    new Headers({ "X-Quire-Attempts": String(attempts), "Cache-Control": "no-cache, no-transform", "Server-Timing": timing }),
    input.setCookies ?? [],
  );
  return createUIMessageStreamResponse({ stream, headers });
}
