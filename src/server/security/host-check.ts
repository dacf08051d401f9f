import "server-only";
import { z } from "zod";
import { trustProxySchema } from "@/src/server/security/rate-limit-spec";

/**
 * Host allow-list: the defence against DNS rebinding. A page on evil.example whose
 * name is re-pointed at 127.0.0.1 talks to a local Quire as if it were same-origin,
 * but its requests still carry `Host: evil.example`. Answering only the host names
 * Quire is configured for (APP_URL, QUIRE_ALLOWED_HOSTS) closes that door.
 *
 * Plain functions with no Next.js or env.ts imports: proxy.ts calls them (Proxy is
 * bundled on its own and should not lean on the app's shared modules or on env()'s
 * side effects), env.ts reuses the QUIRE_ALLOWED_HOSTS schema so that start-up rejects
 * a bad value, and unit tests call them directly.
 */

export interface ParsedHost {
  /** Lower-case, canonical (IPv4/IPv6 as a browser writes them), no trailing dot. */
  hostname: string;
  /** Decimal port without leading zeros, or null when the value had none. */
  port: string | null;
}

/** A permitted host; `port: null` permits the name on any port. */
export interface HostRule {
  hostname: string;
  port: string | null;
}

export interface HostAllowList {
  rules: readonly HostRule[];
  /** The port a Host header without one means: APP_URL's scheme default. */
  defaultPort: string;
}

// Host = uri-host [ ":" port ] (RFC 9110 §7.2). Anything else (userinfo, paths,
// spaces, a second colon outside brackets) is not a host we answer to.
const HOST_SYNTAX = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?$/;
const LABELS = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/;

/** Parses a Host header (or an allow-list entry); null when it is not a valid host. */
export function parseHost(value: string): ParsedHost | null {
  const match = HOST_SYNTAX.exec(value.trim().toLowerCase());
  if (!match?.[1]) return null;
  let hostname = match[1];
  if (!hostname.startsWith("[")) {
    // "quire.example.com." names the same host as "quire.example.com".
    hostname = hostname.replace(/\.$/, "");
    if (!LABELS.test(hostname)) return null;
  }
  let canonical: string;
  try {
    // The WHATWG parser writes 127.1 as 127.0.0.1 and [0:0::1] as [::1], as browsers do.
    canonical = new URL(`http://${hostname}/`).hostname;
  } catch {
    return null;
  }
  const rawPort = match[2];
  if (rawPort === undefined) return { hostname: canonical, port: null };
  const port = Number(rawPort);
  if (port < 1 || port > 65_535) return null;
  return { hostname: canonical, port: String(port) };
}

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];

/**
 * The hosts Quire answers to: APP_URL's host on its port, the loopback aliases of a
 * loopback APP_URL (http://localhost:3000 is also opened as 127.0.0.1:3000; no
 * rebinding attacker controls those names), and each QUIRE_ALLOWED_HOSTS entry.
 */
export function allowedHosts(appUrl: string, extraHosts: readonly HostRule[] = []): HostAllowList {
  const url = new URL(appUrl);
  const defaultPort = url.protocol === "https:" ? "443" : "80";
  const port = url.port === "" ? defaultPort : url.port;
  const names = LOOPBACK_NAMES.includes(url.hostname) ? LOOPBACK_NAMES : [url.hostname];
  return { rules: [...names.map((hostname) => ({ hostname, port })), ...extraHosts], defaultPort };
}

/** True when the Host value names a permitted host. A missing or malformed Host never is. */
export function isHostAllowed(host: string | null | undefined, allowList: HostAllowList): boolean {
  if (!host) return false;
  const parsed = parseHost(host);
  if (!parsed) return false;
  const port = parsed.port ?? allowList.defaultPort;
  return allowList.rules.some((rule) => rule.hostname === parsed.hostname && (rule.port === null || rule.port === port));
}

/**
 * The host the client asked for. `Host` unless a trusted reverse proxy sits in front:
 * then X-Forwarded-Host, last entry, since a proxy that appends puts its own value
 * last, while the entries before it come from the client (a rebinding page can send
 * X-Forwarded-Host itself). Trusting it without such a proxy lets anyone pick the host.
 */
export function requestHost(headers: Headers, trustProxy: boolean): string | null {
  if (trustProxy) {
    const forwarded = headers.get("x-forwarded-host");
    const last = forwarded?.split(",").at(-1)?.trim();
    if (last) return last;
  }
  return headers.get("host");
}

/** 421 Misdirected Request: this server is not authoritative for that host (RFC 9110 §15.5.20). */
export const MISDIRECTED_STATUS = 421;

function describeHost(host: string | null): string {
  if (!host) return "no Host header";
  const parsed = parseHost(host);
  if (!parsed) return "an invalid Host header";
  const shown = parsed.port ? `${parsed.hostname}:${parsed.port}` : parsed.hostname;
  return `the host name "${shown.slice(0, 100)}"`;
}

/**
 * The refusal: JSON in the app's error shape for /api/*, a short plain-text page
 * otherwise. It names the variables to set, not APP_URL's value, so that a stranger
 * probing with other names learns nothing about the real address.
 */
export function misdirectedResponse(pathname: string, host: string | null): Response {
  const message = `This Quire server does not answer to ${describeHost(host)}. Open it at its configured address (APP_URL), or add the name to QUIRE_ALLOWED_HOSTS.`;
  const headers = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    // Nothing on this response may run or be framed.
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
  };
  if (pathname === "/api" || pathname.startsWith("/api/")) {
    return Response.json({ error: { code: "bad_request", message } }, { status: MISDIRECTED_STATUS, headers });
  }
  return new Response(`421 Misdirected Request\n\n${message}\n`, {
    status: MISDIRECTED_STATUS,
    headers: { ...headers, "Content-Type": "text/plain; charset=utf-8" },
  });
}

/**
 * QUIRE_ALLOWED_HOSTS: a comma list of `host` (any port) or `host:port`, e.g.
 * `quire.example.com,10.0.0.5:3000`. ASCII names (punycode for IDNs), as browsers send them.
 */
export const allowedHostsSchema = z
  .string()
  .optional()
  .transform((value, context): HostRule[] => {
    const entries = (value ?? "")
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry !== "");
    const rules: HostRule[] = [];
    for (const entry of entries) {
      const parsed = parseHost(entry);
      if (parsed) rules.push(parsed);
      else context.addIssue({ code: "custom", message: `"${entry}" is not a host or host:port` });
    }
    return rules;
  });

/**
 * QUIRE_TRUST_PROXY is the client-IP code's variable (src/server/security/rate-limit-spec.ts):
 * parsed with its schema, so both read it alike; any trusted proxy (a hop count or a
 * list of proxy addresses) means X-Forwarded-Host was written by one of them.
 */
const trustsAProxy = trustProxySchema.transform((trust) => trust.kind !== "none");

const hostCheckEnvSchema = z.object({
  APP_URL: z.url({ protocol: /^https?$/ }).optional(),
  PORT: z.coerce.number().int().min(1).max(65_535).default(3000),
  QUIRE_ALLOWED_HOSTS: allowedHostsSchema,
  QUIRE_TRUST_PROXY: trustsAProxy,
});

export interface HostCheckConfig {
  allowList: HostAllowList;
  trustProxy: boolean;
  /** APP_URL as env.ts resolves it, for the headers that depend on its scheme. */
  appUrl: string;
}

/**
 * The host check's settings from an environment record. The same variables and
 * defaults as src/server/env.ts (APP_URL falls back to http://localhost:$PORT), parsed
 * here so that Proxy does not import env.ts: env() parses every other variable and, on
 * first call, creates the data directory and the session secret, none of which Proxy needs.
 */
export function hostCheckConfigFromEnv(source: Record<string, string | undefined>): HostCheckConfig {
  const parsed = hostCheckEnvSchema.parse(source);
  const appUrl = parsed.APP_URL ?? `http://localhost:${parsed.PORT}`;
  return { allowList: allowedHosts(appUrl, parsed.QUIRE_ALLOWED_HOSTS), trustProxy: parsed.QUIRE_TRUST_PROXY, appUrl };
}
