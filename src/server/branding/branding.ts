import "server-only";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { env } from "@/src/server/env";
import { log } from "@/src/server/log";
import { DEFAULT_LOGO_SVG } from "@/src/server/branding/default-logo";

export interface Branding {
  title: string;
  description: string;
  /** #rrggbb, or null for the theme's own accent. */
  accentColor: string | null;
}

/** QUIRE_TITLE, QUIRE_DESCRIPTION and QUIRE_ACCENT_COLOR, as env.ts parsed them. */
export function branding(): Branding {
  const current = env();
  return { title: current.QUIRE_TITLE, description: current.QUIRE_DESCRIPTION, accentColor: current.QUIRE_ACCENT_COLOR ?? null };
}

const CONTENT_TYPES: Record<string, string> = {
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
};
const MAX_LOGO_BYTES = 1024 * 1024;

export interface Logo {
  body: Uint8Array | string;
  contentType: string;
}

let cached: Promise<Logo> | undefined;

async function readLogoFile(file: string): Promise<Logo> {
  const contentType = CONTENT_TYPES[path.extname(file).toLowerCase()];
  if (!contentType) throw new Error("QUIRE_LOGO_FILE must name an .svg, .png, .webp or .ico file");
  const size = (await stat(file)).size;
  if (size > MAX_LOGO_BYTES) throw new Error(`QUIRE_LOGO_FILE is ${size} bytes; the limit is ${MAX_LOGO_BYTES}`);
  return { body: new Uint8Array(await readFile(file)), contentType };
}

/**
 * The operator's logo (QUIRE_LOGO_FILE), read once; Quire's own when none is set, or
 * when the file can't be read (logged as an error, so a broken file is seen, while every
 * page still gets a favicon).
 */
export function logo(): Promise<Logo> {
  cached ??= (async () => {
    const file = env().QUIRE_LOGO_FILE;
    const fallback: Logo = { body: DEFAULT_LOGO_SVG, contentType: CONTENT_TYPES[".svg"] ?? "image/svg+xml" };
    if (file === undefined) return fallback;
    try {
      return await readLogoFile(path.resolve(/*turbopackIgnore: true*/ file));
    } catch (error) {
      log().error({ err: error, file }, "QUIRE_LOGO_FILE could not be read; serving Quire's own logo");
      return fallback;
    }
  })();
  return cached;
}
