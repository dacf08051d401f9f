import "server-only";
import { z } from "zod";
import type { ProviderId } from "@/src/shared/providers";
import type { UpstreamFailure } from "@/src/server/providers/classify-error";

const streamErrorSchema = z
  .object({
    error: z.union([
      z.string(),
      z.object({ code: z.union([z.number(), z.string()]).nullish(), message: z.string().nullish() }).loose(),
    ]),
    status: z.number().nullish(),
    status_code: z.number().nullish(),
    code: z.union([z.number(), z.string()]).nullish(),
  })
  .loose();

function statusFromNumber(value: unknown): number | undefined {
  const number = Number(value);
  return Number.isInteger(number) && number >= 400 && number < 600 ? number : undefined;
}

/**
 * Chutes' mid-stream error is a bare line, `{"error":"Unhandled exception during
 * response stream: ..."}` (PROTOCOLS.md §1.2), with no status field. Structured
 * fields are used when present; only when none exist is the text read, and then
 * only for an explicit status number or Chutes' own quota/balance wording.
 */
function statusFromChutesText(text: string): number | undefined {
  const explicit = /\b(?:HTTP|status(?:[ _]code)?)[\s:=]*([45]\d\d)\b/i.exec(text)?.[1] ?? /\b(40[1-4]|429|50[23])\b/.exec(text)?.[1];
  if (explicit) return Number(explicit);
  if (/quota exceeded|account balance|add balance|positive balance|insufficient/i.test(text)) return 402;
  return undefined;
}

/**
 * The status and body an error event received after HTTP 200 stands for, so that
 * classify-error.ts maps it like an HTTP failure. Only classify-error calls this.
 */
export function upstreamFailureOfStreamEvent(payload: unknown, provider: ProviderId): UpstreamFailure {
  const parsed = streamErrorSchema.safeParse(payload);
  if (!parsed.success) return { status: 500, body: "" };
  const { error } = parsed.data;
  const structured =
    statusFromNumber(typeof error === "object" ? error.code : undefined) ??
    statusFromNumber(parsed.data.status) ??
    statusFromNumber(parsed.data.status_code) ??
    statusFromNumber(parsed.data.code);
  const textual = provider === "chutes" && typeof error === "string" ? statusFromChutesText(error) : undefined;
  const status = structured ?? textual ?? 500;
  const body = typeof error === "object" ? JSON.stringify({ error: { ...error, code: status } }) : "";
  return { status, body };
}
