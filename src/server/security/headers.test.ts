import { describe, expect, it } from "vitest";
import {
  PERMISSIONS_POLICY,
  STATIC_SECURITY_HEADERS,
  contentSecurityPolicy,
  createNonce,
  nonceFromCsp,
  strictTransportSecurity,
} from "@/src/server/security/headers";

/** The pattern Next.js uses to find the nonce (next/dist/server/app-render/get-script-nonce-from-header.js). */
const NEXT_NONCE_SOURCE = /^'nonce-([A-Za-z0-9+/_-]+={0,2})'$/;

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp.split(";").map((directive) => {
      const [name = "", ...sources] = directive.trim().split(/\s+/);
      return [name, sources] as const;
    }),
  );
}

describe("createNonce", () => {
  it("is 128 random bits that Next.js recognises, different every time", () => {
    const nonces = new Set(Array.from({ length: 100 }, createNonce));
    expect(nonces.size).toBe(100);
    for (const nonce of nonces) {
      expect(`'nonce-${nonce}'`).toMatch(NEXT_NONCE_SOURCE);
      expect(Buffer.from(nonce, "base64")).toHaveLength(16);
    }
  });
});

describe("contentSecurityPolicy", () => {
  const production = directives(contentSecurityPolicy({ nonce: "abc123==", dev: false }));

  it("runs scripts only with the nonce or from a nonced script; no inline, no eval in production", () => {
    expect(production.get("script-src")).toEqual(["'self'", "'nonce-abc123=='", "'strict-dynamic'"]);
    expect(production.get("style-src")).toEqual(["'self'", "'nonce-abc123=='"]);
    const all = [...production.values()].flat();
    expect(all).not.toContain("'unsafe-inline'");
    expect(all).not.toContain("'unsafe-eval'");
  });

  it("keeps everything else same-origin and forbids framing, plugins, <base> and off-site forms", () => {
    expect(Object.fromEntries(production)).toMatchObject({
      "default-src": ["'self'"],
      "img-src": ["'self'", "data:"],
      "font-src": ["'self'"],
      "object-src": ["'none'"],
      "base-uri": ["'none'"],
      "form-action": ["'self'"],
      "connect-src": ["'self'"],
      "frame-ancestors": ["'none'"],
    });
  });

  it("puts the nonce first in script-src, where Next.js looks for it", () => {
    const csp = contentSecurityPolicy({ nonce: "Zm9vYmFy", dev: false });
    const scriptSrc = csp.split(";").map((directive) => directive.trim()).find((directive) => directive.startsWith("script-src")) ?? "";
    const nonce = scriptSrc.split(/\s+/).slice(1).map((source) => NEXT_NONCE_SOURCE.exec(source)?.[1]).find(Boolean);
    expect(nonce).toBe("Zm9vYmFy");
  });

  it("allows eval and inline styles only under next dev", () => {
    const dev = directives(contentSecurityPolicy({ nonce: "n", dev: true }));
    expect(dev.get("script-src")).toContain("'unsafe-eval'");
    expect(dev.get("style-src")).toEqual(["'self'", "'unsafe-inline'"]);
  });
});

describe("static headers", () => {
  it("keeps the old ones and adds Permissions-Policy and COOP", () => {
    expect(Object.fromEntries(STATIC_SECURITY_HEADERS.map(({ key, value }) => [key, value]))).toEqual({
      "X-Frame-Options": "DENY",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "same-origin",
      "Permissions-Policy": PERMISSIONS_POLICY,
      "Cross-Origin-Opener-Policy": "same-origin",
    });
    // The CSP is per request (proxy.ts); a second, static one would be enforced as well.
    expect(STATIC_SECURITY_HEADERS.map(({ key }) => key.toLowerCase())).not.toContain("content-security-policy");
  });

  it("denies the powerful features", () => {
    for (const feature of ["camera", "microphone", "geolocation", "payment", "usb", "serial", "hid", "display-capture"]) {
      expect(PERMISSIONS_POLICY).toContain(`${feature}=()`);
    }
    expect(PERMISSIONS_POLICY).toMatch(/^[a-z-]+=\(\)(, [a-z-]+=\(\))*$/);
  });
});

describe("strictTransportSecurity", () => {
  it("is sent only for an https APP_URL", () => {
    expect(strictTransportSecurity("https://quire.example.com")).toBe("max-age=63072000; includeSubDomains");
    expect(strictTransportSecurity("http://127.0.0.1:3000")).toBeNull();
  });
});

describe("nonceFromCsp", () => {
  it("finds the nonce proxy.ts wrote, and nothing in a policy without one", () => {
    const nonce = createNonce();
    expect(nonceFromCsp(contentSecurityPolicy({ nonce, dev: false }))).toBe(nonce);
    expect(nonceFromCsp("default-src 'self'")).toBeUndefined();
    expect(nonceFromCsp(null)).toBeUndefined();
  });
});
