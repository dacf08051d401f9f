import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { resetEnvForTests } from "@/src/server/env";
import { sealedCookie } from "@/src/server/auth/sealed-cookie";

const SECRET_A = "first-secret-that-is-long-enough-for-quire-cookies";
const SECRET_B = "second-secret-that-is-long-enough-for-quire-cookies";
const names = ["APP_URL", "SESSION_SECRET", "SESSION_SECRET_PREVIOUS"] as const;
const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));

function configure(values: Partial<Record<(typeof names)[number], string>>): void {
  for (const name of names) {
    const value = values[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  resetEnvForTests();
}

afterEach(() => configure(saved));

const schema = z.object({ token: z.string(), count: z.number() });
const cookie = sealedCookie({ name: "quire_test", schema, maxAgeSeconds: 60, sameSite: "Strict" });

/** A request carrying what a Set-Cookie header set. */
function requestWith(setCookie: string): Request {
  const [pair = ""] = setCookie.split(";");
  return new Request("http://localhost/", { headers: { cookie: pair } });
}

describe("sealedCookie", () => {
  it("round-trips a value that the cookie text does not reveal", async () => {
    configure({ APP_URL: "http://localhost:3000", SESSION_SECRET: SECRET_A });
    const header = await cookie.serialize({ token: "cpk_secret_value", count: 2 });
    expect(header).not.toContain("cpk_secret_value");
    expect(header).toMatch(/^quire_test=[^;]+; Path=\/; Max-Age=60; HttpOnly; SameSite=Strict$/);
    expect(await cookie.read(requestWith(header))).toEqual({ token: "cpk_secret_value", count: 2 });
  });

  it("refuses a value sealed for another cookie, a tampered one, and one that fails the schema", async () => {
    configure({ APP_URL: "http://localhost:3000", SESSION_SECRET: SECRET_A });
    const other = sealedCookie({ name: "quire_other", schema, maxAgeSeconds: 60 });
    const sealedForOther = (await other.serialize({ token: "x", count: 1 })).replace("quire_other=", "quire_test=");
    expect(await cookie.read(requestWith(sealedForOther))).toBeNull();
    const header = await cookie.serialize({ token: "x", count: 1 });
    expect(await cookie.read(requestWith(header.replace(/=([^;]{10})/, "=AAAAAAAAAA")))).toBeNull();
    const loose = sealedCookie({ name: "quire_test", schema: z.object({ token: z.string() }), maxAgeSeconds: 60 });
    expect(await cookie.read(requestWith(await loose.serialize({ token: "x" })))).toBeNull();
  });

  it("still opens cookies sealed under SESSION_SECRET_PREVIOUS after a rotation, and nothing else", async () => {
    configure({ APP_URL: "http://localhost:3000", SESSION_SECRET: SECRET_A });
    const before = await cookie.serialize({ token: "x", count: 1 });
    configure({ APP_URL: "http://localhost:3000", SESSION_SECRET: SECRET_B, SESSION_SECRET_PREVIOUS: SECRET_A });
    expect(await cookie.read(requestWith(before))).toEqual({ token: "x", count: 1 });
    configure({ APP_URL: "http://localhost:3000", SESSION_SECRET: SECRET_B });
    expect(await cookie.read(requestWith(before))).toBeNull();
  });

  it("uses the __Host- prefix and Secure on an https origin, __Secure- for a sub-path", async () => {
    configure({ APP_URL: "https://docs.example", SESSION_SECRET: SECRET_A });
    const header = await cookie.serialize({ token: "x", count: 1 });
    expect(header).toMatch(/^__Host-quire_test=.*; Path=\/;.*; Secure$/);
    expect(await cookie.read(requestWith(header))).toEqual({ token: "x", count: 1 });
    // The bare name is not accepted on https: a sibling subdomain could have planted it.
    expect(await cookie.read(requestWith(header.replace("__Host-", "")))).toBeNull();
    const scoped = sealedCookie({ name: "quire_flow", schema, maxAgeSeconds: 60, path: "/api/auth" });
    expect(scoped.clear()).toMatch(/^__Secure-quire_flow=; Path=\/api\/auth; Max-Age=0;.*Secure$/);
  });
});
