import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const files = (dir: string): string[] => readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" });

describe("the production build (next build, made by the e2e global setup)", () => {
  it("publishes no source file under /_next/static (a server file named by new URL in a page would land there)", () => {
    const sources = files(".next/static").filter((file) => /\.(ts|tsx|mts|cts)$/.test(file));
    expect(sources).toEqual([]);
  });

  it("compiles the embedded database's worker thread, so the server never loads it from source", () => {
    const workers = files(".next/server/chunks").filter((file) => file.includes("[worker thread]") && file.includes("pglite-worker") && file.endsWith(".js"));
    expect(workers.length).toBeGreaterThan(0);
  });
});
