import "server-only";
import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

/** Kept in the output folder; not a docs file (the ingest reads only .md, .mdx and .txt). */
export const MANIFEST_FILE = ".quire-website.json";

const pageSchema = z.object({
  /** The page's final URL after same-origin redirects; the key is the URL that was requested. */
  pageUrl: z.string().url(),
  /** Relative to the output folder; a name that could point outside it makes the manifest invalid (so empty). */
  file: z.string().regex(/^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[^\\\0]+\.md$/),
  title: z.string(),
  lastmod: z.string().nullable(),
  etag: z.string().nullable(),
  lastModified: z.string().nullable(),
  updatedAt: z.string().nullable(),
  /** sha-256 of the page's title, URL and Markdown: equal means the file is left byte for byte. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** Same-scope links of the page, so a crawl goes on through a page that answered 304. */
  links: z.array(z.string()),
});

const manifestSchema = z.object({
  version: z.literal(1),
  pages: z.record(z.string(), pageSchema),
});

export type ManifestPage = z.infer<typeof pageSchema>;
export type Manifest = z.infer<typeof manifestSchema>;

export const emptyManifest = (): Manifest => ({ version: 1, pages: {} });

/** The previous sync's manifest; a missing, unreadable or corrupt one is an empty one (every page is fetched again). */
export async function readManifest(outputDir: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(path.join(outputDir, MANIFEST_FILE), "utf8");
  } catch {
    return emptyManifest();
  }
  try {
    const parsed = manifestSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : emptyManifest();
  } catch {
    return emptyManifest();
  }
}

/** Written through a temporary file and a rename, so a crash never leaves half a manifest. */
export async function writeManifest(outputDir: string, manifest: Manifest): Promise<void> {
  const target = path.join(outputDir, MANIFEST_FILE);
  const temporary = `${target}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(temporary, target);
}
