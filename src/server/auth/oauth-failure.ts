import "server-only";
import { z } from "zod";
import { AppError } from "@/src/server/errors";
import type { ErrorCode } from "@/src/shared/errors";

/**
 * Why a Chutes sign-in did not complete. Only these names ever reach the
 * friendly error page (as `?reason=`), never a raw IDP message or body.
 */
export const oauthFailureReasonSchema = z.enum([
  "not_configured",
  "misconfigured",
  "missing_flow",
  "state_mismatch",
  "access_denied",
  "authorization_failed",
  "code_rejected",
  "idp_unavailable",
  "userinfo_failed",
  "rate_limited",
]);
export type OAuthFailureReason = z.infer<typeof oauthFailureReasonSchema>;

interface FailureText {
  title: string;
  message: string;
  /** Whether starting the sign-in again can help. */
  retry: boolean;
  code: ErrorCode;
}

export const oauthFailureText: Record<OAuthFailureReason, FailureText> = {
  not_configured: {
    title: "Sign in with Chutes is not available",
    message: "This Quire server has no Chutes OAuth app configured. You can still connect Chutes with an API key in Settings.",
    retry: false,
    code: "not_found",
  },
  misconfigured: {
    title: "Sign in with Chutes is misconfigured",
    message: "The server's Chutes sign-in settings are unsafe or incomplete, so sign-in was refused. The server log says what to fix.",
    retry: false,
    code: "internal_error",
  },
  missing_flow: {
    title: "This sign-in link has expired",
    message: "The sign-in started more than 10 minutes ago, was already used, or began in another browser. Start it again.",
    retry: true,
    code: "bad_request",
  },
  state_mismatch: {
    title: "Sign-in could not be verified",
    message: "The answer from Chutes did not match the sign-in this browser started, so it was refused. Start it again.",
    retry: true,
    code: "bad_request",
  },
  access_denied: {
    title: "Sign-in was cancelled",
    message: "Chutes reports that access was not granted. Nothing was changed; you can try again.",
    retry: true,
    code: "forbidden",
  },
  authorization_failed: {
    title: "Chutes did not approve the sign-in",
    message: "Chutes answered the sign-in request with an error. Try again; if it keeps happening, use an API key instead.",
    retry: true,
    code: "bad_request",
  },
  code_rejected: {
    title: "Sign-in could not be completed",
    message: "Chutes refused the sign-in code: it may have expired or been used already. Start the sign-in again.",
    retry: true,
    code: "bad_request",
  },
  idp_unavailable: {
    title: "Chutes could not be reached",
    message: "Quire could not reach the Chutes sign-in service. Check the connection and try again in a moment.",
    retry: true,
    code: "provider_unavailable",
  },
  userinfo_failed: {
    title: "Your Chutes profile could not be read",
    message: "Chutes signed you in but did not return your profile. Try again.",
    retry: true,
    code: "upstream_error",
  },
  rate_limited: {
    title: "Too many sign-in attempts",
    message: "This address started too many sign-ins in a short time. Wait a minute, then try again.",
    retry: true,
    code: "rate_limited",
  },
};

/** A sign-in failure: an AppError whose message is safe to show, plus the page reason. */
export class OAuthFlowError extends AppError {
  constructor(
    readonly reason: OAuthFailureReason,
    cause?: unknown,
  ) {
    super(oauthFailureText[reason].code, oauthFailureText[reason].message, { provider: "chutes", cause });
  }
}

/** The reason of any thrown value; unknown failures count as the IDP being unreachable. */
export function failureReasonOf(error: unknown): OAuthFailureReason {
  if (error instanceof OAuthFlowError) return error.reason;
  return error instanceof AppError && error.code === "rate_limited" ? "rate_limited" : "idp_unavailable";
}
