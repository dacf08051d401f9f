import { z } from "zod";
import { providerIdSchema } from "@/src/shared/providers";
import { CHAT_LIMITS } from "@/src/shared/chat";
import { CHUNK_ID_PATTERN } from "@/src/shared/sources";

/**
 * Bounds of a follow-up request. The question may be as long as QUIRE_MAX_MESSAGE_CHARS allows
 * (the route checks the configured value; this is the largest the env accepts); the answer is
 * only read for context, and the sources are referred to by chunk id, never sent as text.
 */
export const FOLLOW_UP_LIMITS = {
  maxQuestionChars: 1_000_000,
  maxAnswerChars: 200_000,
  maxSources: 20,
  /** Suggestions returned, at most. */
  maxSuggestions: 3,
  /** Longer suggestions are dropped, not cut: a cut question is not worth a click. */
  maxSuggestionChars: 200,
} as const;

const chunkIdSchema = z.string().regex(CHUNK_ID_PATTERN, "must be a chunk id");

/** `POST /api/chat/follow-ups`: the last question, its answer, and the ids of the chunks it was given. */
export const followUpRequestSchema = z.object({
  provider: providerIdSchema,
  model: z.string().trim().min(1).max(CHAT_LIMITS.maxModelIdChars).optional(),
  question: z.string().trim().min(1, "question must not be empty").max(FOLLOW_UP_LIMITS.maxQuestionChars),
  answer: z.string().max(FOLLOW_UP_LIMITS.maxAnswerChars),
  sourceIds: z.array(chunkIdSchema).max(FOLLOW_UP_LIMITS.maxSources),
});
export type FollowUpRequest = z.infer<typeof followUpRequestSchema>;

export const followUpResponseSchema = z.object({
  questions: z.array(z.string().min(1).max(FOLLOW_UP_LIMITS.maxSuggestionChars)).max(FOLLOW_UP_LIMITS.maxSuggestions),
});
export type FollowUpResponse = z.infer<typeof followUpResponseSchema>;
