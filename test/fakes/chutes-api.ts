import { ACCOUNT_SCOPES, authenticateChutes, type ChutesIdentity } from "./chutes-auth";
import { sendJson, sleep, type Exchange } from "./http";
import { handleIdp } from "./idp-routes";
import { bearerToken } from "./keys";
import { chuteIdFor, chutesChuteList } from "./models";
import { behaviorFailure, chutesFailure } from "./provider-errors";
import type { Behavior } from "./types";

const DEFAULT_BALANCE = 12.34;

/**
 * Authenticates an account request and applies the non-credit knobs.
 * Returns the identity, or undefined once an error response was sent.
 */
function accountIdentity(exchange: Exchange, anyScope: string[]): { identity: ChutesIdentity; behavior: Behavior } | undefined {
  const { context, record } = exchange;
  const behavior = context.behaviors.forCredential(bearerToken(record.authorization));
  const auth = authenticateChutes(context, record.authorization, { surface: "api", behavior, anyScope });
  if (!auth.ok) {
    sendJson(exchange, auth.status, { detail: auth.detail });
    return undefined;
  }
  const failure = behaviorFailure(behavior, { streaming: false, credits: false });
  if (failure !== undefined) {
    const error = chutesFailure(failure, behavior, chuteIdFor("api"));
    sendJson(exchange, error.status, error.body, error.headers);
    return undefined;
  }
  return { identity: auth.identity, behavior };
}

/** GET /users/me (PROTOCOLS §1.5). There is no email field, as in the real API. */
async function usersMe(exchange: Exchange): Promise<void> {
  const account = accountIdentity(exchange, ACCOUNT_SCOPES);
  if (account === undefined) return;
  const { identity, behavior } = account;
  const balance = behavior.balance ?? (behavior.creditsExhausted === undefined ? DEFAULT_BALANCE : 0);
  if (!(await sleep(behavior.accountDelayMs ?? 0, exchange.signal))) return;
  sendJson(exchange, 200, {
    username: identity.username,
    user_id: identity.userId,
    logo_id: null,
    logo: null,
    created_at: "2025-03-01T12:00:00",
    hotkey: "5FfakeHotkeyForQuireTests",
    coldkey: "5GfakeColdkeyForQuireTests",
    payment_address: "5HfakePaymentAddressForQuireTests",
    permissions_bitmask: 0,
    balance,
    netuids: null,
    quotas: null,
    permissions: [],
  });
}

/** GET /users/me/quotas: `{}` unless a test supplies a body (PROTOCOLS §1.5). */
function usersMeQuotas(exchange: Exchange): void {
  const account = accountIdentity(exchange, ACCOUNT_SCOPES);
  if (account === undefined) return;
  sendJson(exchange, 200, account.behavior.quotas ?? {});
}

/** GET /chutes/: auth is optional, but a bad credential is still refused (PROTOCOLS §1.6). */
function listChutes(exchange: Exchange): void {
  if (exchange.record.authorization !== null) {
    const behavior = exchange.context.behaviors.forCredential(bearerToken(exchange.record.authorization));
    const auth = authenticateChutes(exchange.context, exchange.record.authorization, {
      surface: "api",
      behavior,
      anyScope: ["chutes:read", "chutes:invoke", "admin"],
    });
    if (!auth.ok) return sendJson(exchange, auth.status, { detail: auth.detail });
  }
  sendJson(exchange, 200, chutesChuteList(exchange.record.query));
}

/** Routes under CHUTES_API_URL (= CHUTES_IDP_URL). */
export function handleChutesApi(exchange: Exchange): void {
  const { method, path } = exchange.record;
  if (handleIdp(exchange)) return;
  if (method === "GET" && path === "/users/me") {
    usersMe(exchange).catch(() => sendJson(exchange, 500, { detail: "Internal Server Error" }));
    return;
  }
  if (method === "GET" && path === "/users/me/quotas") return usersMeQuotas(exchange);
  if (method === "GET" && (path === "/chutes/" || path === "/chutes")) return listChutes(exchange);
  const warmup = /^\/chutes\/warmup\/([^/]+)$/.exec(path);
  if (method === "GET" && warmup !== null) {
    return sendJson(exchange, 200, { status: "hot", log: "chute is hot, 1 instances available" });
  }
  sendJson(exchange, 404, { detail: "Not Found" });
}
