"use client";

import { authStatusSchema, connectKeyResponseSchema, type AuthStatus, type ConnectKeyResponse } from "@/src/shared/auth";
import { errorResponseSchema, type ErrorPayload } from "@/src/shared/errors";
import type { ProviderId } from "@/src/shared/providers";
import { modelListSchema, type ModelList } from "@/src/shared/models";
import { followUpResponseSchema, type FollowUpRequest, type FollowUpResponse } from "@/src/shared/follow-ups";

export type ApiResult<T> = { ok: true; data: T } | { ok: false; error: ErrorPayload };

const networkError: ErrorPayload = {
  code: "provider_unavailable",
  message: "Quire could not be reached. Check your connection and try again.",
};

/** Reads an error body of our API; anything else becomes a generic message, never raw text. */
export function readErrorBody(text: string): ErrorPayload {
  try {
    const parsed = errorResponseSchema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data.error;
  } catch {
    // not our JSON
  }
  return { code: "upstream_error", message: "Something went wrong. Please try again." };
}

async function request<T>(url: string, init: RequestInit, parse: (json: unknown) => T): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, credentials: "same-origin", cache: "no-store" });
  } catch {
    return { ok: false, error: networkError };
  }
  let text: string;
  try {
    text = await response.text();
  } catch {
    // The connection dropped, or the caller aborted, while the body was read.
    return { ok: false, error: networkError };
  }
  if (!response.ok) return { ok: false, error: readErrorBody(text) };
  try {
    return { ok: true, data: parse(JSON.parse(text)) };
  } catch {
    return { ok: false, error: { code: "upstream_error", message: "Quire sent an unexpected answer. Try again." } };
  }
}

export function fetchAuthStatus(): Promise<ApiResult<AuthStatus>> {
  return request("/api/auth/status", {}, (json) => authStatusSchema.parse(json));
}

export function connectKey(provider: ProviderId, apiKey: string): Promise<ApiResult<ConnectKeyResponse>> {
  return request(
    `/api/auth/${provider}/key`,
    { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ apiKey }) },
    (json) => connectKeyResponseSchema.parse(json),
  );
}

export function removeKey(provider: ProviderId): Promise<ApiResult<unknown>> {
  return request(`/api/auth/${provider}/key`, { method: "DELETE" }, (json) => json);
}

export function signOutOfChutes(): Promise<ApiResult<unknown>> {
  return request("/api/auth/chutes/logout", { method: "POST" }, (json) => json);
}

export function fetchModels(provider: ProviderId): Promise<ApiResult<ModelList>> {
  return request(`/api/models?provider=${provider}`, {}, (json) => modelListSchema.parse(json));
}

/** Suggested follow-up questions for an answer; every failure is a result, never a throw. */
export function fetchFollowUps(body: FollowUpRequest, signal: AbortSignal): Promise<ApiResult<FollowUpResponse>> {
  return request(
    "/api/chat/follow-ups",
    { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), signal },
    (json) => followUpResponseSchema.parse(json),
  );
}
