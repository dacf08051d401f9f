import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emptyManifest, type Manifest, MANIFEST_FILE, readManifest, writeManifest } from "@/src/server/rag/sources/website/manifest";

describe("website manifest", () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), "quire-manifest-"));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  const manifest: Manifest = { version: 1, pages: { "https://x.test/a": {
    pageUrl: "https://x.test/a/", file: "a/index.md", title: "A", lastmod: "2024-01-01", etag: '"e"', lastModified: null,
    updatedAt: "2024-01-01", hash: "0".repeat(64), links: ["https://x.test/b"],
  } } };

  it("round-trips, through a temporary file that does not stay behind", async () => {
    await writeManifest(directory, manifest);
    expect(await readManifest(directory)).toEqual(manifest);
    expect(readdirSync(directory)).toEqual([MANIFEST_FILE]);
  });

  it("reads a missing, corrupt or wrongly shaped manifest as empty", async () => {
    expect(await readManifest(directory)).toEqual(emptyManifest());
    writeFileSync(path.join(directory, MANIFEST_FILE), "{ nope");
    expect(await readManifest(directory)).toEqual(emptyManifest());
    writeFileSync(path.join(directory, MANIFEST_FILE), JSON.stringify({ version: 1, pages: { x: { file: "x.md" } } }));
    expect(await readManifest(directory)).toEqual(emptyManifest());
    for (const file of ["../outside.md", "/etc/x.md", "a/../../b.md", "a\\b.md", "a.txt"]) {
      writeFileSync(path.join(directory, MANIFEST_FILE), JSON.stringify({ version: 1, pages: { x: { ...manifest.pages["https://x.test/a"], file } } }));
      expect(await readManifest(directory)).toEqual(emptyManifest());
    }
    writeFileSync(path.join(directory, MANIFEST_FILE), JSON.stringify({ ...manifest, version: 2 }));
    expect(await readManifest(directory)).toEqual(emptyManifest());
  });
});
