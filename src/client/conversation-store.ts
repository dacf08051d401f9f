"use client";

import { z } from "zod";
import type { UIMessage } from "ai";
import { errorPayloadSchema, parseStreamErrorText, type ErrorPayload } from "@/src/shared/errors";
import { readErrorBody } from "@/src/client/api";
import type { ChatDataParts, ChatMetadata } from "@/src/shared/chat";

export type QuireMessage = UIMessage<ChatMetadata, ChatDataParts>;

/**
 * The conversation lives in the browser (the server keeps no session state):
 * messages with their sources, the last error and which answers were cut off,
 * so a reload shows the same state. It never holds a key or token.
 */
const storedConversationSchema = z.object({
  messages: z.array(z.object({ id: z.string(), role: z.enum(["user", "assistant", "system"]), parts: z.array(z.unknown()) }).loose()),
  error: errorPayloadSchema.nullable(),
  interrupted: z.array(z.string()),
  draft: z.string().default(""),
});
export type StoredConversation = z.infer<typeof storedConversationSchema>;

const STORAGE_KEY = "quire:conversation:v1";

export const emptyConversation: StoredConversation = { messages: [], error: null, interrupted: [], draft: "" };

export function loadConversation(): StoredConversation {
  try {
    const raw = window.localStorage.getItem(STORAGE_KEY);
    if (!raw) return emptyConversation;
    const parsed = storedConversationSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : emptyConversation;
  } catch {
    return emptyConversation;
  }
}

export function saveConversation(conversation: StoredConversation): void {
  try {
    window.localStorage.setItem(STORAGE_KEY, JSON.stringify(conversation));
  } catch {
    // Storage full or disabled: the conversation still works, it just won't survive a reload.
  }
}

/**
 * What useChat's error means: our JSON error body (before the stream), the error part's
 * JSON (during it), or a failed fetch. Decided by the error's shape and codes, never by
 * its wording: fetch rejects with a TypeError when the network fails.
 */
export function errorFromChat(error: Error): ErrorPayload {
  const text = error.message;
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json === "object" && json !== null && "error" in json) return readErrorBody(text);
    return parseStreamErrorText(text);
  } catch {
    // not JSON: not from Quire's API
  }
  if (error instanceof TypeError) {
    return { code: "provider_unavailable", message: "The connection to Quire was lost. Check your connection and retry." };
  }
  return { code: "upstream_error", message: "The answer stopped because of an unexpected error. Try again." };
}
