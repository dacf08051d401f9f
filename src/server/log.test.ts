import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, redactText } from "@/src/server/log";

const chutesKey = `cpk_${"a".repeat(32)}.${"b".repeat(32)}.${"C".repeat(32)}`;
const openRouterKey = `sk-or-v1-${"f".repeat(64)}`;
const accessToken = `cak_${"x".repeat(64)}`;
const refreshToken = `crt_${"y".repeat(64)}`;

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger(stream, "debug"), text: () => lines.join("") };
}

describe("redacting logger", () => {
  it("removes secrets found by pattern in messages and values", () => {
    const { logger, text } = capture();
    logger.info(`validating ${chutesKey}`);
    logger.info({ note: `Bearer ${openRouterKey}`, nested: { list: [accessToken, refreshToken] } }, "tokens");
    logger.error({ err: new Error(`bad key ${chutesKey}`) }, "failed");
    const output = text();
    for (const secret of [chutesKey, openRouterKey, accessToken, refreshToken, "cpk_", "sk-or-", "cak_", "crt_"]) {
      expect(output).not.toContain(secret);
    }
    expect(output).toContain("[redacted]");
  });

  it("removes values by key name: authorization, cookie, apiKey, token", () => {
    const { logger, text } = capture();
    logger.info({ headers: { authorization: "opaque-value-1", cookie: "quire=opaque-value-2" }, apiKey: "opaque-value-3", token: "opaque-value-4" });
    expect(text()).not.toMatch(/opaque-value/);
  });

  it("leaves ordinary text alone", () => {
    expect(redactText("the chunk size is 400 tokens")).toBe("the chunk size is 400 tokens");
  });
});
