import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "@/src/server/env";

const parse = (extra: Record<string, string>) => parseEnv({ QUIRE_DATA_DIR: mkdtempSync(path.join(tmpdir(), "quire-interval-")), ...extra });

describe("QUIRE_SYNC_INTERVAL", () => {
  it("is off when absent, empty or off", () => {
    expect(parse({}).QUIRE_SYNC_INTERVAL).toBeNull();
    expect(parse({ QUIRE_SYNC_INTERVAL: "" }).QUIRE_SYNC_INTERVAL).toBeNull();
    expect(parse({ QUIRE_SYNC_INTERVAL: "off" }).QUIRE_SYNC_INTERVAL).toBeNull();
  });

  it("reads seconds, minutes, hours and days as milliseconds", () => {
    expect(parse({ QUIRE_SYNC_INTERVAL: "45s" }).QUIRE_SYNC_INTERVAL).toBe(45_000);
    expect(parse({ QUIRE_SYNC_INTERVAL: "30m" }).QUIRE_SYNC_INTERVAL).toBe(1_800_000);
    expect(parse({ QUIRE_SYNC_INTERVAL: "6h" }).QUIRE_SYNC_INTERVAL).toBe(21_600_000);
    expect(parse({ QUIRE_SYNC_INTERVAL: " 1D " }).QUIRE_SYNC_INTERVAL).toBe(86_400_000);
  });

  it.each(["6", "0s", "10x", "-5m", "31d", "1.5h", "soon"])("refuses %j naming the variable", (value) => {
    expect(() => parse({ QUIRE_SYNC_INTERVAL: value })).toThrow(EnvError);
    expect(() => parse({ QUIRE_SYNC_INTERVAL: value })).toThrow(/QUIRE_SYNC_INTERVAL: must be a duration like "45s"/);
  });
});

describe("the admin endpoint's settings", () => {
  it("binds to loopback on an ephemeral port by default", () => {
    const parsed = parse({});
    expect(parsed.QUIRE_ADMIN_HOST).toBe("127.0.0.1");
    expect(parsed.QUIRE_ADMIN_PORT).toBe(0);
    expect(parsed.QUIRE_ADMIN_TOKEN).toBeUndefined();
  });

  it("refuses an exposed host without QUIRE_ADMIN_TOKEN, and accepts it with one", () => {
    expect(() => parse({ QUIRE_ADMIN_HOST: "0.0.0.0" })).toThrow(/QUIRE_ADMIN_HOST: 0\.0\.0\.0 exposes the admin endpoint.*set QUIRE_ADMIN_TOKEN/);
    expect(parse({ QUIRE_ADMIN_HOST: "0.0.0.0", QUIRE_ADMIN_TOKEN: "t".repeat(32) }).QUIRE_ADMIN_HOST).toBe("0.0.0.0");
    for (const host of ["localhost", "::1", "[::1]", "127.0.0.2"]) expect(parse({ QUIRE_ADMIN_HOST: host }).QUIRE_ADMIN_HOST).toBe(host);
    expect(() => parse({ QUIRE_ADMIN_TOKEN: "short" })).toThrow(/QUIRE_ADMIN_TOKEN: must be at least 32 characters/);
  });
});
