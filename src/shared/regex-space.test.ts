import { describe, expect, it } from "vitest";
import { isRegexSpace } from "@/src/shared/regex-space";

describe("isRegexSpace", () => {
  it("agrees with /\\s/ on every UTF-16 code unit", () => {
    const disagreements: number[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      if (isRegexSpace(code) !== /\s/.test(String.fromCharCode(code))) disagreements.push(code);
    }
    expect(disagreements).toEqual([]);
  });
});
