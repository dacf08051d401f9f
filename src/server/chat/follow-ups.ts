import "server-only";
import { generateText } from "ai";
import type { Credential } from "@/src/server/credential";
import { env } from "@/src/server/env";
import { AppError, unwrapAppError } from "@/src/server/errors";
import { log } from "@/src/server/log";
import { buildFollowUpPrompt } from "@/src/server/chat/follow-up-prompt";
import { parseFollowUps } from "@/src/server/chat/parse-follow-ups";
import { callChatModel } from "@/src/server/providers/create-model";
import { defaultChatModel } from "@/src/server/providers/config";
import { createGuardedFetch } from "@/src/server/providers/first-token-gate";
import { getStore } from "@/src/server/rag/store";
import type { ScoredChunk } from "@/src/server/rag/types";
import { readJsonBody } from "@/src/server/http";
import { followUpRequestSchema, type FollowUpRequest } from "@/src/shared/follow-ups";
import { providerLabels } from "@/src/shared/providers";

/** Small and cool: three short questions, and the same ones for the same answer, mostly. */
const MAX_OUTPUT_TOKENS = 300;
const TEMPERATURE = 0.2;

export interface FollowUpInput {
  body: FollowUpRequest;
  credential: Credential;
  signal: AbortSignal;
  baseFetch?: typeof fetch;
}

/** Follow-up bodies are small: a question, an answer and some ids. */
const MAX_BODY_BYTES = 512 * 1024;

/** 404 while QUIRE_FOLLOW_UPS is off: the feature spends the user's credit, so the operator opts in. */
export function assertFollowUpsEnabled(): void {
  if (!env().QUIRE_FOLLOW_UPS) {
    throw new AppError("not_found", "Follow-up suggestions are turned off on this server (QUIRE_FOLLOW_UPS).");
  }
}

/** Validates the body against the schema and the configured question length. */
export async function parseFollowUpRequest(request: Request): Promise<FollowUpRequest> {
  const body = await readJsonBody(request, followUpRequestSchema, MAX_BODY_BYTES);
  const maxChars = env().QUIRE_MAX_MESSAGE_CHARS;
  if (body.question.length > maxChars) throw new AppError("bad_request", `The question is too long: at most ${maxChars} characters.`);
  return body;
}

/** The cited chunks, read from the index by id: the client sends ids, never source text. */
async function loadChunks(ids: readonly string[]): Promise<ScoredChunk[]> {
  try {
    return await (await getStore()).getChunks(ids);
  } catch (error) {
    log().warn({ err: error }, "follow-ups could not read the index");
    return [];
  }
}

/**
 * Two or three follow-up questions grounded in the answer's sources: one short
 * non-streamed completion on the user's credential. No sources (none sent, or all
 * gone from the index) means no suggestions, and no call. Upstream failures are
 * classified by the guarded fetch into typed AppErrors.
 */
export async function suggestFollowUps(input: FollowUpInput): Promise<string[]> {
  const { body, credential, signal } = input;
  const chunks = await loadChunks(body.sourceIds);
  if (chunks.length === 0) return [];
  const model = body.model ?? defaultChatModel(credential.provider);
  const context = { provider: credential.provider, source: credential.source, model };
  // The first-token timer covers the whole non-streamed answer; idle never applies.
  const guard = createGuardedFetch(context, {
    firstTokenTimeoutMs: env().QUIRE_FIRST_TOKEN_TIMEOUT_MS,
    idleTimeoutMs: env().QUIRE_IDLE_TIMEOUT_MS,
    baseFetch: input.baseFetch,
  });
  const { system, prompt } = buildFollowUpPrompt({ question: body.question, answer: body.answer, chunks });
  try {
    const result = await callChatModel(credential, model, guard.fetch, (chatModel) =>
      generateText({
        model: chatModel,
        system,
        prompt,
        maxOutputTokens: MAX_OUTPUT_TOKENS,
        temperature: TEMPERATURE,
        maxRetries: 0,
        abortSignal: signal,
      }),
    );
    const questions = parseFollowUps({ text: result.text, reasoning: result.reasoningText }, body.question);
    log().info({ provider: credential.provider, model, suggestions: questions.length }, "follow-ups suggested");
    return questions;
  } catch (error) {
    const known = unwrapAppError(error);
    if (known) throw known;
    // E.g. a 200 whose body is not a chat completion: the SDK's own error, which may quote the body.
    log().warn({ provider: credential.provider, model, err: error instanceof Error ? error.name : "unknown" }, "follow-up answer unreadable");
    throw new AppError("upstream_error", `${providerLabels[credential.provider]} sent an answer Quire could not read. Try again.`, {
      provider: credential.provider,
    });
  }
}
