import "server-only";
import { BlockList, isIP } from "node:net";

/**
 * Small, dependency-free IP helpers for client identification: normalising what
 * proxies write into X-Forwarded-For, grouping IPv6 clients by network, and
 * matching trusted proxy addresses/CIDRs.
 */

export type IpFamily = "ipv4" | "ipv6";

/**
 * One X-Forwarded-For entry as a canonical address, or null when it is not an IP.
 * Accepts the forms proxies actually write: `1.2.3.4`, `1.2.3.4:5678`,
 * `[2001:db8::1]:443`, `"[2001:db8::1]"`, `fe80::1%eth0`, and IPv4-mapped IPv6
 * (`::ffff:127.0.0.1`, which Node reports when listening on `::`) as plain IPv4,
 * so that one client has one identity whichever socket family it used.
 */
export function normalizeIp(raw: string): string | null {
  let value = raw.trim().replace(/^"(.*)"$/, "$1");
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed?.[1]) value = bracketed[1];
  else if (/^[\d.]+:\d+$/.test(value)) value = value.slice(0, value.lastIndexOf(":"));
  value = value.replace(/%[\w.-]+$/, "").toLowerCase();
  // Bound the work on attacker-supplied text before parsing it.
  if (value.length === 0 || value.length > 45) return null;
  const family = isIP(value);
  if (family === 4) return value;
  if (family !== 6) return null;
  const groups = expandIpv6(value);
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (mapped) return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join(".");
  return value;
}

/** The family of a canonical address from normalizeIp. */
export function ipFamily(address: string): IpFamily {
  return address.includes(":") ? "ipv6" : "ipv4";
}

/**
 * The rate-limit key of an address. An IPv6 client usually owns a whole /64 and
 * can rotate through it freely, so IPv6 is limited per /64 network; IPv4 per address.
 */
export function ipRateLimitKey(address: string): string {
  if (ipFamily(address) === "ipv4") return address;
  const prefix = expandIpv6(address)
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(":");
  return `${prefix}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` and a dotted IPv4 tail expanded). */
function expandIpv6(address: string): number[] {
  let text = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((group) => Number.parseInt(group, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

export interface Cidr {
  address: string;
  prefix: number;
  family: IpFamily;
}

/**
 * `10.0.0.0/8`, `fd00::/8` or a bare address (a /32 or /128). Returns a reason
 * string when invalid, so that the env error names the bad item.
 */
export function parseCidr(text: string): Cidr | string {
  const [addressPart = "", prefixPart, extra] = text.trim().split("/");
  if (extra !== undefined) return `"${text}" is not an address or CIDR`;
  const address = normalizeIp(addressPart);
  if (address === null || addressPart.includes("[") || /^[\d.]+:\d+$/.test(addressPart)) {
    return `"${text}" is not an IP address or CIDR`;
  }
  const family = ipFamily(address);
  const max = family === "ipv4" ? 32 : 128;
  if (prefixPart === undefined) return { address, prefix: max, family };
  if (!/^\d{1,3}$/.test(prefixPart) || Number(prefixPart) > max) return `"${text}" has an invalid prefix length`;
  const prefix = Number(prefixPart);
  // A /0 trusts every hop, which makes the left-most (client-written) entry the "client".
  if (prefix === 0) return `"${text}" trusts every address; list your proxies, or use a hop count`;
  return { address, prefix, family };
}

/** A membership test over trusted proxy ranges (node:net BlockList does the bit matching). */
export function addressMatcher(ranges: readonly Cidr[]): (address: string) => boolean {
  const list = new BlockList();
  for (const range of ranges) list.addSubnet(range.address, range.prefix, range.family);
  return (address) => list.check(address, ipFamily(address));
}
