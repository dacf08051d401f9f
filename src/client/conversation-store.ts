"use client";

import type { UIMessage } from "ai";
import { parseStreamErrorText, type ErrorPayload } from "@/src/shared/errors";
import { readErrorBody } from "@/src/client/api";
import type { ChatDataParts, ChatMetadata } from "@/src/shared/chat";

export type QuireMessage = UIMessage<ChatMetadata, ChatDataParts>;

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
