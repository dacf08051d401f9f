import "server-only";
import { AppError } from "@/src/server/errors";
import { assertSameOrigin } from "@/src/server/http";
import { isShuttingDown } from "@/src/server/shutdown";

/**
 * The checks before a request may spend the user's credit (chat and follow-ups):
 * 503 while the server shuts down, and cookie credentials only from this app's pages.
 * A request that brings its own key in the header may come from anywhere.
 */
export function guardCreditRequest(request: Request): void {
  if (isShuttingDown()) {
    throw new AppError("provider_unavailable", "Quire is restarting. Try again in a few seconds.", { status: 503, retryAfter: 5 });
  }
  if (!request.headers.has("authorization")) assertSameOrigin(request);
}
