import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isBuildCurrent, recordBuild, sourceStamp } from "@/scripts/build-stamp.mjs";

describe("build stamp", () => {
  const roots: string[] = [];
  afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));

  function project(): string {
    const root = mkdtempSync(path.join(tmpdir(), "quire-stamp-"));
    roots.push(root);
    mkdirSync(path.join(root, "src"));
    mkdirSync(path.join(root, ".next"));
    writeFileSync(path.join(root, "src/page.tsx"), "export default 1;\n");
    writeFileSync(path.join(root, "proxy.ts"), "export {};\n");
    writeFileSync(path.join(root, ".next/BUILD_ID"), "x");
    return root;
  }

  it("is current only after a build recorded with the sources' stamp", () => {
    const root = project();
    expect(isBuildCurrent(root)).toBe(false);
    recordBuild(root, sourceStamp(root));
    expect(isBuildCurrent(root)).toBe(true);
  });

  it("goes stale when a source or a root file changes, but not for a test file", () => {
    const root = project();
    recordBuild(root, sourceStamp(root));
    writeFileSync(path.join(root, "src/page.test.tsx"), "test\n");
    expect(isBuildCurrent(root)).toBe(true);
    writeFileSync(path.join(root, "proxy.ts"), "export const changed = true;\n");
    expect(isBuildCurrent(root)).toBe(false);
  });

  it("stays stale when a file changed during the build (the stamp is taken before it)", () => {
    const root = project();
    const before = sourceStamp(root);
    writeFileSync(path.join(root, "src/page.tsx"), "export default 2 + 2;\n");
    recordBuild(root, before);
    expect(isBuildCurrent(root)).toBe(false);
  });

  it("is never current without a build", () => {
    const root = project();
    recordBuild(root, sourceStamp(root));
    rmSync(path.join(root, ".next/BUILD_ID"));
    expect(isBuildCurrent(root)).toBe(false);
  });
});
