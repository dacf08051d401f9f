import "server-only";
import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

/**
 * When each file last changed, as far as Quire has seen. A depth-1 fetch brings one
 * commit and no history, so the first sync cannot know when a file changed (unless the
 * commit is the repository's very first) and records nothing rather than the boundary
 * commit's date for every file. Each later sync compares the previous and the new
 * commit: files that differ get the new commit's date. When the remote moved by several
 * commits at once this is the newest of them, so the date is at or after the real change.
 * Dates of unchanged files are kept here across syncs.
 */
const manifestSchema = z.object({
  version: z.literal(1),
  /** The commit the dates describe. */
  commit: z.string().regex(/^[0-9a-f]{40}$|^[0-9a-f]{64}$/),
  /** Path inside the repository → ISO committer date. */
  dates: z.record(z.string(), z.string()),
});

export type DatesManifest = z.infer<typeof manifestSchema>;

export function manifestPath(checkoutDir: string): string {
  return path.join(checkoutDir, ".git", "quire-dates.json");
}

/** The manifest, or null when it is absent or unreadable: dates are a nicety, not worth failing a sync for. */
export async function readDatesManifest(checkoutDir: string): Promise<DatesManifest | null> {
  let text: string;
  try {
    text = await readFile(manifestPath(checkoutDir), "utf8");
  } catch {
    return null;
  }
  try {
    const parsed = manifestSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Written beside and renamed over, so an interrupted write leaves the previous manifest. */
export async function writeDatesManifest(checkoutDir: string, manifest: DatesManifest): Promise<void> {
  const target = manifestPath(checkoutDir);
  await writeFile(`${target}.tmp`, `${JSON.stringify(manifest)}\n`);
  await rename(`${target}.tmp`, target);
}

/** The dates after moving to `commit`: changed paths get its date, deleted ones drop out. */
export function advanceDates(
  previous: DatesManifest["dates"],
  changes: { changed: readonly string[]; deleted: readonly string[] },
  commit: string,
  commitDate: string,
): DatesManifest {
  const dates = { ...previous };
  for (const file of changes.deleted) delete dates[file];
  for (const file of changes.changed) dates[file] = commitDate;
  return { version: 1, commit, dates };
}
