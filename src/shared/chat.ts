import { z } from "zod";
import { credentialKindSchema } from "@/src/shared/credentials";
import { providerIdSchema } from "@/src/shared/providers";

/** Limits that keep one request bounded; the server reads the configured values from env. */
export const CHAT_LIMITS = { maxMessages: 100, maxMessageChars: 32_000, maxModelIdChars: 200 } as const;

const textPartSchema = z.object({ type: z.literal("text"), text: z.string() }).loose();
/** Other UI parts (sources, reasoning, step markers, data) are accepted and ignored for the prompt. */
const otherPartSchema = z.object({ type: z.string().min(1).refine((type) => type !== "text") }).loose();

export const uiMessageSchema = z
  .object({
    /** Scripts may leave it out; the browser always sends one. */
    id: z.string().min(1).max(200).optional(),
    role: z.enum(["user", "assistant"]),
    parts: z.array(z.union([textPartSchema, otherPartSchema])).max(500),
    metadata: z.unknown().optional(),
  })
  .loose();

export const chatRequestSchema = z.object({
  id: z.string().max(200).optional(),
  messages: z.array(uiMessageSchema).min(1, "messages must not be empty"),
  provider: providerIdSchema.optional(),
  model: z.string().trim().min(1).max(CHAT_LIMITS.maxModelIdChars).optional(),
  trigger: z.string().optional(),
  messageId: z.string().optional(),
});
export type ChatRequest = z.infer<typeof chatRequestSchema>;

/** What the server attaches to each assistant message. */
export const chatMetadataSchema = z.object({
  provider: providerIdSchema.optional(),
  model: z.string().optional(),
  credential: credentialKindSchema.optional(),
  retrieval: z.enum(["hybrid", "fulltext", "none"]).optional(),
  /** Set when the requested model was unavailable and CHUTES_FALLBACK_MODEL answered. */
  fallbackFrom: z.string().optional(),
  weak: z.boolean().optional(),
});
export type ChatMetadata = z.infer<typeof chatMetadataSchema>;

/** The text of a message: its text parts, joined. */
export function messageText(message: { parts: ReadonlyArray<{ type: string }> }): string {
  return message.parts
    .map((part) => (part.type === "text" && "text" in part && typeof part.text === "string" ? part.text : ""))
    .join("");
}

/** A transient notice beside the answer, e.g. the pre-flight low-balance warning. */
export const noticeSchema = z.object({ kind: z.literal("low-balance"), message: z.string(), topUpUrl: z.string() });
export type Notice = z.infer<typeof noticeSchema>;

/** The data parts of our UI message stream. */
export type ChatDataParts = { notice: Notice };
