import { z } from "zod";
import { redirect, sendHtml, sendJson, type Exchange } from "./http";
import { IDP_SCOPES } from "./idp";

const formSchema = z.record(z.string(), z.string());

/** Form fields of a urlencoded body; anything else counts as no fields. */
function formFields(exchange: Exchange): Record<string, string> {
  const parsed = formSchema.safeParse(exchange.body);
  return parsed.success ? parsed.data : {};
}

function basicCredentials(authorization: string | null): { clientId: string; clientSecret: string } | null {
  const match = /^Basic\s+(\S+)$/i.exec(authorization ?? "");
  if (match?.[1] === undefined) return null;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const separator = decoded.indexOf(":");
  if (separator < 0) return null;
  return {
    clientId: decodeURIComponent(decoded.slice(0, separator)),
    clientSecret: decodeURIComponent(decoded.slice(separator + 1)),
  };
}

/** PROTOCOLS §1.7 discovery document, pointing at this fake. */
function discovery(exchange: Exchange): void {
  const base = exchange.context.urls.chutesApiUrl;
  sendJson(exchange, 200, {
    issuer: base,
    authorization_endpoint: `${base}/idp/authorize`,
    token_endpoint: `${base}/idp/token`,
    userinfo_endpoint: `${base}/idp/userinfo`,
    revocation_endpoint: `${base}/idp/token/revoke`,
    introspection_endpoint: `${base}/idp/token/introspect`,
    scopes_supported: IDP_SCOPES,
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic", "none"],
    code_challenge_methods_supported: ["plain", "S256"],
    service_documentation: "https://docs.chutes.ai/oauth",
    subject_types_supported: ["public"],
    claims_supported: ["sub", "username", "created_at"],
  });
}

function authorize(exchange: Exchange): void {
  const outcome = exchange.context.idp.authorize(exchange.record.query);
  if (outcome.kind === "page") return sendHtml(exchange, 400, outcome.error, outcome.description);
  redirect(exchange, outcome.location);
}

/** GET /idp/userinfo: only `cak_` tokens, and only with an identity scope. */
function userinfo(exchange: Exchange): void {
  const match = /^Bearer\s+(cak_\S+)$/.exec(exchange.record.authorization ?? "");
  if (match?.[1] === undefined) return sendJson(exchange, 401, { detail: "Missing or invalid authorization header" });
  const grant = exchange.context.idp.activeAccessGrant(match[1]);
  if (grant === undefined) return sendJson(exchange, 401, { detail: "Invalid or expired token" });
  if (!["openid", "profile", "account:read", "admin"].some((scope) => grant.scopes.has(scope))) {
    return sendJson(exchange, 403, { detail: "Token does not have permission for this resource" });
  }
  sendJson(exchange, 200, { sub: grant.userId, username: grant.username, created_at: "2025-03-01T12:00:00" });
}

function tokenEndpoint(exchange: Exchange): void {
  const outcome = exchange.context.idp.exchangeToken(formFields(exchange), basicCredentials(exchange.record.authorization));
  sendJson(exchange, outcome.status, outcome.body, { "cache-control": "no-store" });
}

/** Handles the IDP routes; returns false for any other path. */
export function handleIdp(exchange: Exchange): boolean {
  const { method, path } = exchange.record;
  const { idp } = exchange.context;
  if (method === "GET" && path === "/.well-known/openid-configuration") discovery(exchange);
  else if (method === "GET" && path === "/idp/authorize") authorize(exchange);
  else if (method === "POST" && path === "/idp/token") tokenEndpoint(exchange);
  else if (method === "GET" && path === "/idp/userinfo") userinfo(exchange);
  else if (method === "POST" && path === "/idp/token/revoke") {
    idp.revoke(formFields(exchange).token ?? "");
    sendJson(exchange, 200, { revoked: true });
  } else if (method === "POST" && path === "/idp/token/introspect") {
    const outcome = idp.introspect(formFields(exchange));
    sendJson(exchange, outcome.status, outcome.body);
  } else if (method === "GET" && path === "/idp/scopes") {
    sendJson(exchange, 200, { scopes: Object.fromEntries(IDP_SCOPES.map((scope) => [scope, `Fake description of ${scope}`])) });
  } else return false;
  return true;
}
