import { describe, expect, it } from "vitest";
import { retryAfterMs } from "@/src/server/rag/sources/website/http";

describe("retryAfterMs", () => {
  it("reads seconds and HTTP dates, and nothing else", () => {
    const now = Date.parse("2024-03-05T08:00:00Z");
    expect(retryAfterMs("3", now)).toBe(3000);
    expect(retryAfterMs(" 0 ", now)).toBe(0);
    expect(retryAfterMs("Tue, 05 Mar 2024 08:00:05 GMT", now)).toBe(5000);
    expect(retryAfterMs("Tue, 05 Mar 2024 07:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs("soon", now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });
});
