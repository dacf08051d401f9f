import { describe, expect, it } from "vitest";
import { clientIdentity, clientIp, hashCredential } from "@/src/server/security/client-ip";
import { ipRateLimitKey, normalizeIp, parseCidr } from "@/src/server/security/ip-address";
import { trustProxySchema, type TrustProxy } from "@/src/server/security/rate-limit-spec";

const NONE: TrustProxy = { kind: "none" };
const trust = (value: string) => trustProxySchema.parse(value);
const xff = (...values: string[]) => {
  const headers = new Headers();
  for (const value of values) headers.append("x-forwarded-for", value);
  return headers;
};
const request = (headers: Headers) => new Request("http://quire.test/api/chat", { headers });

describe("clientIp without a trusted proxy (QUIRE_TRUST_PROXY=false)", () => {
  it("takes the address `next start` wrote from the socket", () => {
    // What a real `next start` hands the handler for a client that sends no header (IPv6 listener).
    expect(clientIp(xff("::ffff:203.0.113.9"), NONE)).toBe("203.0.113.9");
    expect(clientIp(xff("::1"), NONE)).toBe("::1");
  });

  it("never lets prepended entries choose the client: only the right-most entry counts", () => {
    expect(clientIp(xff("6.6.6.6, 7.7.7.7, 203.0.113.9"), NONE)).toBe("203.0.113.9");
    // Repeated headers are joined in order, so the last one's last entry is the right-most.
    expect(clientIp(xff("6.6.6.6", "7.7.7.7, 203.0.113.9"), NONE)).toBe("203.0.113.9");
  });

  it("lumps unreadable or missing addresses into one `unknown` subject instead of a fresh key each", () => {
    for (const forged of ["<script>", "999.1.1.1", "x".repeat(10_000), "1.2.3.4, not-an-ip", ""]) {
      const identity = clientIdentity(request(xff(forged)), { trust: NONE });
      expect(identity).toMatchObject({ ip: null, ipKey: "unknown" });
    }
    expect(clientIdentity(request(new Headers()), { trust: NONE }).ipKey).toBe("unknown");
  });
});

describe("clientIp behind trusted proxies", () => {
  it("with one hop, takes the entry our proxy appended, not what the client sent", () => {
    // Client sent "6.6.6.6"; nginx ($proxy_add_x_forwarded_for) appended the real peer.
    expect(clientIp(xff("6.6.6.6, 198.51.100.7"), trust("true"))).toBe("198.51.100.7");
    expect(clientIp(xff("6.6.6.6, 198.51.100.7"), trust("1"))).toBe("198.51.100.7");
  });

  it("with two hops, takes the second entry from the right (the last proxy is the socket, never listed)", () => {
    // client → CDN (appends client) → load balancer (appends CDN) → Quire.
    expect(clientIp(xff("6.6.6.6, 198.51.100.7, 10.0.0.5"), trust("2"))).toBe("198.51.100.7");
    // Fewer entries than hops: the left-most is the best there is.
    expect(clientIp(xff("198.51.100.7"), trust("2"))).toBe("198.51.100.7");
  });

  it("with proxy ranges, walks from the right past our proxies, so prepending a proxy address gains nothing", () => {
    const ranges = trust("10.0.0.0/8, 192.168.1.5, fd00::/8");
    expect(clientIp(xff("198.51.100.7, 10.1.2.3"), ranges)).toBe("198.51.100.7");
    expect(clientIp(xff("6.6.6.6, 10.9.9.9, 198.51.100.7, 192.168.1.5, fd00::1"), ranges)).toBe("198.51.100.7");
    // Only proxies in the chain: the left-most hop is the client.
    expect(clientIp(xff("10.0.0.1, 10.0.0.2"), ranges)).toBe("10.0.0.1");
    // A garbage hop is not one of our proxies: it stops the walk and becomes the unknown subject.
    expect(clientIp(xff("198.51.100.7, junk, 10.0.0.2"), ranges)).toBeNull();
  });
});

describe("address forms and subjects", () => {
  it.each([
    ["203.0.113.9:51234", "203.0.113.9"],
    ["[2001:db8::1]:443", "2001:db8::1"],
    ['"[2001:DB8::1]"', "2001:db8::1"],
    ["fe80::1%eth0", "fe80::1"],
    ["::ffff:7f00:1", "127.0.0.1"],
    ["01.2.3.4", null],
    ["unknown", null],
  ])("normalises %s to %s", (raw, expected) => {
    expect(normalizeIp(raw)).toBe(expected);
  });

  it("limits IPv6 per /64, so rotating through one's own network does not help", () => {
    expect(ipRateLimitKey("2001:db8:aa:1::1")).toBe("2001:db8:aa:1::/64");
    expect(ipRateLimitKey("2001:db8:aa:1:ffff:ffff:ffff:ffff")).toBe("2001:db8:aa:1::/64");
    expect(ipRateLimitKey("2001:db8:aa:2::1")).toBe("2001:db8:aa:2::/64");
    expect(ipRateLimitKey("203.0.113.9")).toBe("203.0.113.9");
  });

  it("keeps only a SHA-256 of the credential", () => {
    const key = "cpk_0123456789abcdef.secret-part";
    const identity = clientIdentity(request(xff("203.0.113.9")), { trust: NONE, credential: key });
    expect(identity.credentialKey).toMatch(/^[0-9a-f]{64}$/);
    expect(identity.credentialKey).toBe(hashCredential(key));
    expect(JSON.stringify(identity)).not.toContain("secret-part");
    expect(clientIdentity(request(xff("203.0.113.9")), { trust: NONE, credential: "  " }).credentialKey).toBeNull();
  });

  it("rejects CIDRs that cannot describe a proxy", () => {
    expect(parseCidr("10.0.0.0/33")).toEqual(expect.stringContaining("invalid prefix"));
    expect(parseCidr("0.0.0.0/0")).toEqual(expect.stringContaining("trusts every address"));
    expect(parseCidr("10.0.0.1:80")).toEqual(expect.stringContaining("not an IP"));
    expect(parseCidr("fd00::/8")).toEqual({ address: "fd00::", prefix: 8, family: "ipv6" });
  });
});
