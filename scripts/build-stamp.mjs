// Whether `.next` was built from the sources as they are now: a hash of every file the
// build reads (path, size, mtime), written beside the build after `next build`.
// `npm start` and the test and benchmark harnesses rebuild when it does not match.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const BUILD_INPUTS = [
  "app",
  "src",
  "public",
  "proxy.ts",
  "instrumentation.ts",
  "instrumentation-client.ts",
  "next.config.ts",
  "package-lock.json",
  "tsconfig.json",
];

function walk(target, root, into) {
  if (!existsSync(target)) return;
  const stat = statSync(target);
  if (stat.isDirectory()) {
    for (const entry of readdirSync(target).sort()) walk(path.join(target, entry), root, into);
  } else if (!/\.test\.tsx?$/.test(target)) {
    into.push(`${path.relative(root, target)}:${stat.size}:${stat.mtimeMs}`);
  }
}

/** The hash of the build's inputs under `root`. */
export function sourceStamp(root) {
  const entries = [];
  for (const item of BUILD_INPUTS) walk(path.join(root, item), root, entries);
  return createHash("sha256").update(entries.join("\n")).digest("hex");
}

const stampFile = (root) => path.join(root, ".next", "quire-build-stamp");

/** True when `root/.next` holds a build of the sources as they are now. */
export function isBuildCurrent(root) {
  const file = stampFile(root);
  return existsSync(path.join(root, ".next", "BUILD_ID")) && existsSync(file) && readFileSync(file, "utf8") === sourceStamp(root);
}

/**
 * Records what `root/.next` was built from: pass the stamp taken before the build began,
 * so that a file saved during the build leaves the build stale rather than current.
 */
export function recordBuild(root, stamp) {
  writeFileSync(stampFile(root), stamp);
}
