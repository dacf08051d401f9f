import type { FakeContext } from "./http";
import { bearerToken, uuidFromSeed } from "./keys";
import type { Behavior } from "./types";

/** api.chutes.ai and the inference hosts word their 401s differently (PROTOCOLS §1.5, §1.8). */
export type ChutesAuthSurface = "api" | "inference";

export interface ChutesIdentity {
  credential: string;
  username: string;
  userId: string;
  /** Null for API keys, which carry every permission. */
  scopes: ReadonlySet<string> | null;
}

export type ChutesAuthResult =
  | { ok: true; identity: ChutesIdentity }
  | { ok: false; status: 401 | 403; detail: string };

const unauthorized = (detail: string): ChutesAuthResult => ({ ok: false, status: 401, detail });

/**
 * Checks a Chutes credential the way the real server does: `cpk_` keys by
 * shape (and the reject knob), `cak_` tokens against the fake IDP and its
 * scopes (`anyScope`: at least one is needed), anything else as a failed JWT.
 */
export function authenticateChutes(
  context: FakeContext,
  authorization: string | null,
  options: { surface: ChutesAuthSurface; behavior: Behavior; anyScope: string[] },
): ChutesAuthResult {
  const { surface, behavior } = options;
  const unknownUser =
    surface === "api" ? "Can't find a user with that api key in our db :(" : "Authentication required.";
  const credential = bearerToken(authorization);
  if (credential === null) return unauthorized(unknownUser);

  if (credential.startsWith("cpk_")) {
    if (!context.keys.isWellFormedChutesKey(credential)) return unauthorized("Missing or invalid authorization header(s)");
    if (behavior.reject === true) {
      return unauthorized(surface === "api" ? "Invalid token or user not found" : unknownUser);
    }
    const username = behavior.username ?? context.keys.chutesUsername(credential);
    return { ok: true, identity: { credential, username, userId: uuidFromSeed(`user:${username}`), scopes: null } };
  }

  if (credential.startsWith("cak_")) {
    const grant = context.idp.activeAccessGrant(credential);
    if (grant === undefined || behavior.reject === true) return unauthorized(unknownUser);
    if (!options.anyScope.some((scope) => grant.scopes.has(scope))) {
      return { ok: false, status: 403, detail: "Token does not have permission for this resource" };
    }
    const username = behavior.username ?? grant.username;
    return { ok: true, identity: { credential, username, userId: grant.userId, scopes: grant.scopes } };
  }

  // Anything else is tried as a JWT by the real server, and fails.
  return unauthorized("Invalid token.");
}

/** Scopes that allow inference (PROTOCOLS §1.1). */
export const INVOKE_SCOPES = ["chutes:invoke", "admin"];
/** Scopes that allow /users/me* (PROTOCOLS §1.1). */
export const ACCOUNT_SCOPES = ["profile", "profile:read", "account:read", "admin"];
