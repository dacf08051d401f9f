#!/usr/bin/env node
// `npm start`: build when the sources changed since the last build, ingest the docs
// folder (full text even without a key), then serve Quire with `next start`.
import { spawnSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
const stampFile = path.join(root, ".next", "quire-build-stamp");

function walk(target, into) {
  if (!existsSync(target)) return;
  const stat = statSync(target);
  if (stat.isDirectory()) {
    for (const entry of readdirSync(target).sort()) walk(path.join(target, entry), into);
  } else if (!/\.test\.tsx?$/.test(target)) {
    into.push(`${path.relative(root, target)}:${stat.size}:${stat.mtimeMs}`);
  }
}

function sourceStamp() {
  const entries = [];
  for (const item of ["app", "src", "public", "next.config.ts", "package-lock.json", "tsconfig.json"]) walk(path.join(root, item), entries);
  return createHash("sha256").update(entries.join("\n")).digest("hex");
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env });
  return result.status ?? 1;
}

const stamp = sourceStamp();
const built = existsSync(path.join(root, ".next", "BUILD_ID")) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp;
if (!built) {
  console.log("quire: building the app (first start, or the sources changed)…");
  if (run(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"]) !== 0) process.exit(1);
  writeFileSync(stampFile, stamp);
}

if (process.env.QUIRE_SKIP_INGEST !== "1" && existsSync(path.join(root, "cli", "quire.mjs"))) {
  console.log("quire: ingesting the docs folder…");
  if (run(process.execPath, [path.join(root, "cli", "quire.mjs"), "ingest"]) !== 0) {
    console.warn("quire: ingestion failed (see above); starting with the existing index.");
  }
}

const port = process.env.PORT ?? "3000";
const server = spawn(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "start", "-p", port], { cwd: root, stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code) => process.exit(code ?? 0));
