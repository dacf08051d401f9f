import type { Metadata } from "next";
import { oauthFailureReasonSchema, oauthFailureText } from "@/src/server/auth/oauth-failure";
import { safeReturnTo } from "@/src/server/auth/oauth-flow";

export const metadata: Metadata = { title: "Sign in with Chutes", robots: { index: false } };

type SearchParams = Record<string, string | string[] | undefined>;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Where every failed Chutes sign-in lands (PROTOCOLS.md §1.7): what happened in
 * words, a retry, and a way back. Only known reasons are shown, never IDP text.
 */
export default async function AuthErrorPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const reason = oauthFailureReasonSchema.catch("authorization_failed").parse(first(params.reason));
  const returnTo = safeReturnTo(first(params.returnTo));
  const text = oauthFailureText[reason];
  return (
    <main className="page">
      <section className="card" aria-labelledby="auth-error-title">
        <h1 id="auth-error-title">{text.title}</h1>
        <p role="alert" data-testid="auth-error" data-reason={reason}>
          {text.message}
        </p>
        <p className="actions">
          {text.retry && (
            <a className="button" href={`/api/auth/chutes/login?returnTo=${encodeURIComponent(returnTo)}`}>
              Try again
            </a>
          )}{" "}
          <a href={reason === "not_configured" ? "/settings" : returnTo}>
            {reason === "not_configured" ? "Use an API key instead" : "Back to Quire"}
          </a>
        </p>
      </section>
    </main>
  );
}
