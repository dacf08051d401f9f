import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { advanceDates, manifestPath, readDatesManifest, writeDatesManifest } from "@/src/server/rag/sources/git/dates";

const A = "a".repeat(40);
const B = "b".repeat(40);
let dir: string | undefined;

afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("dates manifest", () => {
  it("gives changed files the new date, drops deleted ones and keeps the rest", () => {
    const next = advanceDates({ "a.md": "2024-01-01T00:00:00Z", "b.md": "2024-01-01T00:00:00Z", "c.md": "2024-01-01T00:00:00Z" }, { changed: ["b.md", "d.md"], deleted: ["c.md"] }, B, "2024-02-02T00:00:00Z");
    expect(next).toEqual({ version: 1, commit: B, dates: { "a.md": "2024-01-01T00:00:00Z", "b.md": "2024-02-02T00:00:00Z", "d.md": "2024-02-02T00:00:00Z" } });
  });

  it("round-trips, and an absent or invalid manifest reads as null", async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "quire-dates-"));
    mkdirSync(path.join(dir, ".git"));
    expect(await readDatesManifest(dir)).toBeNull();
    await writeDatesManifest(dir, { version: 1, commit: A, dates: { "a.md": "2024-01-01T00:00:00Z" } });
    expect(await readDatesManifest(dir)).toEqual({ version: 1, commit: A, dates: { "a.md": "2024-01-01T00:00:00Z" } });
    writeFileSync(manifestPath(dir), JSON.stringify({ version: 1, commit: "not-a-sha", dates: {} }));
    expect(await readDatesManifest(dir)).toBeNull();
    writeFileSync(manifestPath(dir), "{");
    expect(await readDatesManifest(dir)).toBeNull();
  });
});
