#!/usr/bin/env node
/**
 * First-load JavaScript of an app route, gzip, from the production build (run `next build` first):
 * the runtime every page loads (build-manifest.json rootMainFiles) plus the chunks the
 * route's layout and page import (their client reference manifest's entryJSFiles).
 * Polyfills are left out: they are `nomodule`, which no current browser loads; so are
 * chunks fetched later on demand (the code highlighter).
 *
 *   node scripts/js-budget.mjs [route=/] [--max-kb 250]
 *
 * Exits 1 when the total is over --max-kb.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import vm from "node:vm";

const root = path.resolve(import.meta.dirname, "..");
const next = path.join(root, ".next");
const args = process.argv.slice(2);
const maxIndex = args.indexOf("--max-kb");
const maxKb = maxIndex === -1 ? 250 : Number(args[maxIndex + 1]);
const route = args.find((arg, index) => !arg.startsWith("--") && (maxIndex === -1 || index !== maxIndex + 1)) ?? "/";

const segment = route === "/" ? "" : route.replace(/^\/|\/$/g, "");
const manifestFile = path.join(next, "server/app", segment, "page_client-reference-manifest.js");
const sandbox = { globalThis: {} };
vm.runInNewContext(readFileSync(manifestFile, "utf8"), sandbox);
const manifests = sandbox.globalThis.__RSC_MANIFEST ?? {};
const manifest = Object.values(manifests)[0];
if (!manifest) throw new Error(`no client reference manifest in ${manifestFile}`);

const build = JSON.parse(readFileSync(path.join(next, "build-manifest.json"), "utf8"));
const entryKeys = Object.keys(manifest.entryJSFiles).filter((key) => key.endsWith("/layout") || key.endsWith(`app${segment === "" ? "" : `/${segment}`}/page`));
const files = [...new Set([...build.rootMainFiles, ...entryKeys.flatMap((key) => manifest.entryJSFiles[key])])];

const gzipKb = (file) => gzipSync(readFileSync(path.join(next, file)), { level: 9 }).length / 1024;
const rows = files.map((file) => ({ file, kb: gzipKb(file) }));
const total = rows.reduce((sum, row) => sum + row.kb, 0);

console.log(`First-load JS of ${route} (gzip -9), from ${path.relative(root, next)}:`);
for (const row of rows) console.log(`  ${row.kb.toFixed(1).padStart(7)} kB  ${row.file}`);
console.log(`  ${total.toFixed(1).padStart(7)} kB  total (budget ${maxKb} kB)`);

if (total > maxKb) {
  console.error(`Over budget by ${(total - maxKb).toFixed(1)} kB`);
  process.exit(1);
}
