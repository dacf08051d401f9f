import { describe, expect, it } from "vitest";
import {
  allowedHosts,
  allowedHostsSchema,
  hostCheckConfigFromEnv,
  isHostAllowed,
  misdirectedResponse,
  parseHost,
  requestHost,
} from "@/src/server/security/host-check";

describe("parseHost", () => {
  it("splits host and port, lower-cases, and canonicalises IP literals as browsers do", () => {
    expect(parseHost("Quire.Example.COM:8443")).toEqual({ hostname: "quire.example.com", port: "8443" });
    expect(parseHost("quire.example.com.")).toEqual({ hostname: "quire.example.com", port: null });
    expect(parseHost("127.1:3000")).toEqual({ hostname: "127.0.0.1", port: "3000" });
    expect(parseHost("[0:0::1]:03000")).toEqual({ hostname: "[::1]", port: "3000" });
  });

  it("refuses anything that is not a bare host[:port]", () => {
    for (const bad of ["", "evil.example@127.0.0.1", "a b", "host/path", "host:0", "host:65536", "host:", "::1", "a..b", "héllo.example", "[::1"]) {
      expect(parseHost(bad), bad).toBeNull();
    }
  });
});

describe("isHostAllowed", () => {
  const https = allowedHosts("https://quire.example.com", [
    { hostname: "docs.internal", port: null },
    { hostname: "10.0.0.5", port: "3000" },
  ]);

  it("accepts APP_URL's host on its port; a Host without a port means the scheme's default", () => {
    expect(isHostAllowed("quire.example.com", https)).toBe(true);
    expect(isHostAllowed("quire.example.com:443", https)).toBe(true);
    expect(isHostAllowed("QUIRE.example.com.", https)).toBe(true);
    expect(isHostAllowed("quire.example.com:3000", https)).toBe(false);
  });

  it("accepts QUIRE_ALLOWED_HOSTS entries: a bare name on any port, host:port exactly", () => {
    expect(isHostAllowed("docs.internal:8080", https)).toBe(true);
    expect(isHostAllowed("docs.internal", https)).toBe(true);
    expect(isHostAllowed("10.0.0.5:3000", https)).toBe(true);
    expect(isHostAllowed("10.0.0.5:3001", https)).toBe(false);
  });

  it("refuses rebinding names, look-alikes, and a missing or malformed Host", () => {
    for (const host of ["evil.example", "quire.example.com.evil.example", "evilquire.example.com", "localhost", "127.0.0.1", null, undefined, "", "quire.example.com@evil"]) {
      expect(isHostAllowed(host, https), String(host)).toBe(false);
    }
  });

  it("a loopback APP_URL also answers to the other loopback names on the same port (the e2e harness uses 127.0.0.1)", () => {
    const local = allowedHosts("http://127.0.0.1:4123");
    for (const host of ["127.0.0.1:4123", "localhost:4123", "[::1]:4123"]) expect(isHostAllowed(host, local), host).toBe(true);
    for (const host of ["127.0.0.1:3000", "127.0.0.1", "evil.example:4123", "rebind.127.0.0.1.nip.io:4123"]) expect(isHostAllowed(host, local), host).toBe(false);
  });

  it("an http APP_URL without a port means port 80", () => {
    const plain = allowedHosts("http://quire.lan");
    expect(isHostAllowed("quire.lan", plain)).toBe(true);
    expect(isHostAllowed("quire.lan:80", plain)).toBe(true);
    expect(isHostAllowed("quire.lan:443", plain)).toBe(false);
  });
});

describe("requestHost", () => {
  const headers = new Headers({ host: "127.0.0.1:3000", "x-forwarded-host": "evil.example, quire.example.com" });

  it("uses Host unless a proxy is trusted", () => {
    expect(requestHost(headers, false)).toBe("127.0.0.1:3000");
  });

  it("behind a trusted proxy, uses the last X-Forwarded-Host entry (the one the proxy added)", () => {
    expect(requestHost(headers, true)).toBe("quire.example.com");
    expect(requestHost(new Headers({ host: "a:1", "x-forwarded-host": "quire.example.com, evil.example" }), true)).toBe("evil.example");
    expect(requestHost(new Headers({ host: "a:1" }), true)).toBe("a:1");
  });
});

describe("misdirectedResponse", () => {
  it("answers /api/* with 421 and the app's JSON error shape", async () => {
    const response = misdirectedResponse("/api/chat", "evil.example");
    expect(response.status).toBe(421);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("bad_request");
    expect(body.error.message).toContain('"evil.example"');
    expect(body.error.message).toContain("QUIRE_ALLOWED_HOSTS");
  });

  it("answers pages with a short plain-text page that runs nothing", async () => {
    const response = misdirectedResponse("/settings", "<script>x</script>");
    expect(response.status).toBe(421);
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(response.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const text = await response.text();
    expect(text).toMatch(/^421 Misdirected Request/);
    expect(text).toContain("an invalid Host header");
    expect(text).not.toContain("<script>");
    expect(await misdirectedResponse("/", null).text()).toContain("no Host header");
  });
});

describe("configuration", () => {
  it("parses QUIRE_ALLOWED_HOSTS and names a bad entry", () => {
    expect(allowedHostsSchema.parse(" a.example , b.example:8080 ,")).toEqual([
      { hostname: "a.example", port: null },
      { hostname: "b.example", port: "8080" },
    ]);
    expect(allowedHostsSchema.parse(undefined)).toEqual([]);
    const result = allowedHostsSchema.safeParse("ok.example,http://bad.example");
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('"http://bad.example"');
  });

  it("falls back to http://localhost:$PORT like env.ts, and reads QUIRE_TRUST_PROXY", () => {
    const config = hostCheckConfigFromEnv({ PORT: "4000" });
    expect(config.appUrl).toBe("http://localhost:4000");
    expect(config.trustProxy).toBe(false);
    expect(isHostAllowed("localhost:4000", config.allowList)).toBe(true);
    for (const value of ["1", "true", "yes", "on", "2", "10.0.0.0/8"]) expect(hostCheckConfigFromEnv({ QUIRE_TRUST_PROXY: value }).trustProxy, value).toBe(true);
    for (const value of ["", "0", "false", "no", "off", "OFF"]) expect(hostCheckConfigFromEnv({ QUIRE_TRUST_PROXY: value }).trustProxy, value).toBe(false);
    // The same rules as the client-IP code: a value it refuses is refused here too.
    expect(() => hostCheckConfigFromEnv({ QUIRE_TRUST_PROXY: "maybe" })).toThrow();
  });

  it("adds QUIRE_ALLOWED_HOSTS to APP_URL's host", () => {
    const config = hostCheckConfigFromEnv({ APP_URL: "https://quire.example.com/", QUIRE_ALLOWED_HOSTS: "quire.internal:3000" });
    expect(isHostAllowed("quire.example.com", config.allowList)).toBe(true);
    expect(isHostAllowed("quire.internal:3000", config.allowList)).toBe(true);
    expect(isHostAllowed("evil.example", config.allowList)).toBe(false);
  });

  it("refuses a bad APP_URL instead of guessing", () => {
    expect(() => hostCheckConfigFromEnv({ APP_URL: "ftp://x" })).toThrow();
  });
});
