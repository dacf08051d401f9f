import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { autoSharedBuffers, sharedBuffersFor } from "@/src/server/rag/store/pglite-setup";

const MB = 1024 * 1024;

describe("autoSharedBuffers", () => {
  it("keeps PostgreSQL's 128 MB for a small or new index, a third of a large one, at most 640 MB", () => {
    expect(autoSharedBuffers(0)).toBe("128MB");
    expect(autoSharedBuffers(60 * MB)).toBe("128MB");
    expect(autoSharedBuffers(1500 * MB)).toBe("500MB");
    expect(autoSharedBuffers(20_000 * MB)).toBe("640MB");
  });

  it("measures the data dir for auto, keeps a size given, and falls back when the dir cannot be read", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "quire-buffers-"));
    writeFileSync(path.join(dir, "small"), Buffer.alloc(3 * MB));
    expect(sharedBuffersFor(dir, "auto")).toBe("128MB");
    // A sparse file: a large index's size on disk, without the disk.
    writeFileSync(path.join(dir, "large"), "");
    truncateSync(path.join(dir, "large"), 1497 * MB);
    expect(sharedBuffersFor(dir, "auto")).toBe("500MB");
    expect(sharedBuffersFor(dir, "256MB")).toBe("256MB");
    expect(sharedBuffersFor(path.join(dir, "missing"), "auto")).toBe("128MB");
    expect(sharedBuffersFor(undefined, "auto")).toBe("128MB");
    rmSync(dir, { recursive: true, force: true });
  });
});
