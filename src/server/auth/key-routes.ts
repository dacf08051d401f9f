import "server-only";
import { clearStoredKeyCookie, storedKeyCookie } from "@/src/server/auth/api-key-store";
import { connectKeyRequestSchema, validateKey } from "@/src/server/auth/connect-key";
import { assertSameOrigin, readJsonBody, withErrorResponse } from "@/src/server/http";
import { log } from "@/src/server/log";
import { clientIdentity } from "@/src/server/security/client-ip";
import { enforceRateLimit } from "@/src/server/security/rate-limit";
import type { ProviderId } from "@/src/shared/providers";

/** POST and DELETE handlers of /api/auth/{provider}/key. */
export function keyRouteHandlers(provider: ProviderId) {
  const POST = withErrorResponse(async (request: Request) => {
    assertSameOrigin(request);
    const { apiKey } = await readJsonBody(request, connectKeyRequestSchema, 16 * 1024);
    // Counted per address, per key and server-wide before any upstream call: without it the
    // server is a free oracle for checking stolen keys. A malformed key is refused first, uncounted.
    const stored = await validateKey(provider, apiKey, request.signal, () =>
      enforceRateLimit("key_check", clientIdentity(request, { credential: apiKey.trim() })),
    );
    log().info({ provider, hint: stored.hint }, "api key connected");
    const headers = new Headers({ "Set-Cookie": await storedKeyCookie(provider, stored), "Cache-Control": "no-store" });
    return Response.json(
      {
        provider,
        hint: stored.hint,
        username: stored.username ?? null,
        balance: stored.balance ?? null,
        limit: stored.limit ?? null,
        limitRemaining: stored.limitRemaining ?? null,
      },
      { status: 200, headers },
    );
  });

  const DELETE = withErrorResponse(async (request: Request) => {
    assertSameOrigin(request);
    log().info({ provider }, "api key removed");
    return Response.json(
      { provider, removed: true },
      { headers: { "Set-Cookie": clearStoredKeyCookie(provider), "Cache-Control": "no-store" } },
    );
  });

  return { POST, DELETE };
}
