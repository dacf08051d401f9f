import { describe, expect, it } from "vitest";
import { errorFromChat } from "@/src/client/conversation-store";

describe("errorFromChat", () => {
  it("reads our JSON error body by its code", () => {
    const body = JSON.stringify({ error: { code: "credits_exhausted", message: "Top up.", provider: "chutes" } });
    expect(errorFromChat(new Error(body))).toMatchObject({ code: "credits_exhausted", provider: "chutes" });
  });

  it("reads a stream error part's payload", () => {
    const part = JSON.stringify({ code: "rate_limited", message: "Slow down.", retryAfter: 3 });
    expect(errorFromChat(new Error(part))).toMatchObject({ code: "rate_limited", retryAfter: 3 });
  });

  it("treats a failed fetch (a TypeError) as a lost connection, whatever its wording", () => {
    expect(errorFromChat(new TypeError("Load failed")).code).toBe("provider_unavailable");
    expect(errorFromChat(new TypeError("NetworkError when attempting to fetch resource.")).code).toBe("provider_unavailable");
  });

  it("does not guess from words: a plain error that mentions the network is not a lost connection", () => {
    expect(errorFromChat(new Error("network fetch blew up")).code).toBe("upstream_error");
  });
});
