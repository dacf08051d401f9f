import { describe, expect, it } from "vitest";
import { highlight, type Token } from "@/src/client/highlight";

const classes = (tokens: readonly Token[]): string[] =>
  tokens.flatMap((token) => (typeof token === "string" ? [] : [token.className, ...classes(token.children)]));
const text = (tokens: readonly Token[]): string => tokens.map((token) => (typeof token === "string" ? token : text(token.children))).join("");

describe("highlight", () => {
  it("tokenises the loaded languages and their aliases, losing no character", () => {
    const code = 'const port: number = 3000; // default\nexport const name = "quire";';
    const tokens = highlight(code, "ts");
    expect(tokens).not.toBeNull();
    expect(text(tokens ?? [])).toBe(code);
    expect(classes(tokens ?? [])).toEqual(expect.arrayContaining(["hljs-keyword", "hljs-string", "hljs-comment", "hljs-number"]));
    expect(classes(highlight("echo $HOME", "sh") ?? [])).toContain("hljs-built_in");
  });

  it("leaves unknown languages to the caller, as plain text", () => {
    expect(highlight("print 1", "cobol")).toBeNull();
  });
});
