import { describe, expect, it } from "vitest";
import { checkAdminRequest, type AdminAccess } from "@/src/server/admin/admin-auth";

const TOKEN = "per-start-token-0123456789abcdefghijklmnop";
const CONFIGURED = "configured-admin-token-0123456789abcdefgh";
const loopback: AdminAccess = { port: 4100, loopbackOnly: true, tokens: [TOKEN] };

describe("checkAdminRequest", () => {
  it("lets a loopback Host with the right token through", () => {
    for (const host of ["127.0.0.1:4100", "localhost:4100", "[::1]:4100", "LOCALHOST:4100"]) {
      expect(checkAdminRequest({ host, authorization: `Bearer ${TOKEN}` }, loopback)).toBeNull();
    }
  });

  it("answers 401 without a token, with a wrong one, or with another scheme", () => {
    for (const authorization of [undefined, "", "Bearer", `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`, "Bearer wrong"]) {
      expect(checkAdminRequest({ host: "127.0.0.1:4100", authorization }, loopback)).toMatchObject({ status: 401, code: "unauthorized" });
    }
  });

  it("answers 403 to a non-loopback Host when bound to loopback (DNS rebinding), even with the token", () => {
    for (const host of [undefined, "evil.example:4100", "127.0.0.1:4101", "127.0.0.1", "127.0.0.1.evil.example:4100", "quire.local:4100"]) {
      expect(checkAdminRequest({ host, authorization: `Bearer ${TOKEN}` }, loopback)).toMatchObject({ status: 403, code: "forbidden_host" });
    }
  });

  it("accepts QUIRE_ADMIN_TOKEN besides the per-start token, and any Host when exposed", () => {
    const exposed: AdminAccess = { port: 4100, loopbackOnly: false, tokens: [TOKEN, CONFIGURED] };
    expect(checkAdminRequest({ host: "quire.internal:4100", authorization: `Bearer ${CONFIGURED}` }, exposed)).toBeNull();
    expect(checkAdminRequest({ host: "quire.internal:4100", authorization: `Bearer ${TOKEN}` }, exposed)).toBeNull();
    expect(checkAdminRequest({ host: "quire.internal:4100", authorization: "Bearer nope" }, exposed)).toMatchObject({ status: 401 });
  });

  it("never puts a token in its message", () => {
    const denial = checkAdminRequest({ host: "127.0.0.1:4100", authorization: `Bearer ${TOKEN}x` }, loopback);
    expect(denial?.message).not.toContain(TOKEN);
  });
});
