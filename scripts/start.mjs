#!/usr/bin/env node
// `npm start`: build when the sources changed since the last build, ingest the docs
// sources (quire.sources.yaml, or the docs folder; full text even without a key), then serve Quire with `next start`.
// SIGTERM/SIGINT reach whichever child is running; this script exits with its code.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { constants } from "node:os";
import path from "node:path";
import { isBuildCurrent, recordBuild, sourceStamp } from "./build-stamp.mjs";
import { nextStartArgs } from "./server-node-args.mjs";

const root = path.resolve(import.meta.dirname, "..");
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };

/** The signal that asked us to stop, and the child that is running now (build, ingest or server). */
let stopSignal = null;
let current = null;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    // A terminal's Ctrl+C also reaches the child directly; the server ignores the repeat.
    stopSignal ??= signal;
    current?.kill(signal);
  });
}

/** A child's exit status as a shell reports it: its code, or 128 + the signal that killed it. */
const statusOf = (code, signal) => code ?? 128 + (constants.signals[signal] ?? 0);

/** Runs a child with the terminal attached; asynchronous so that signals are forwarded while it runs. */
function run(command, args, childEnv = env) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: "inherit", env: childEnv });
    current = child;
    child.on("error", (error) => {
      console.error(`quire: ${command} failed to start: ${error.message}`);
      resolve(1);
    });
    child.on("exit", (code, signal) => {
      current = null;
      resolve(statusOf(code, signal));
    });
  });
}

/** Stopped during build or ingest: no server is started. */
function exitIfStopped(status) {
  if (stopSignal !== null) process.exit(status === 0 ? 128 + constants.signals[stopSignal] : status);
}

if (!isBuildCurrent(root)) {
  const stamp = sourceStamp(root);
  console.log("quire: building the app (first start, or the sources changed)…");
  const status = await run(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"]);
  exitIfStopped(status);
  if (status !== 0) process.exit(1);
  recordBuild(root, stamp);
}

if (process.env.QUIRE_SKIP_INGEST !== "1" && existsSync(path.join(root, "cli", "quire.mjs"))) {
  console.log("quire: syncing the docs (quire.sources.yaml, or the docs folder)…");
  const status = await run(process.execPath, [path.join(root, "cli", "quire.mjs"), "ingest"]);
  exitIfStopped(status);
  if (status !== 0) console.warn("quire: ingestion failed (see above); starting with the existing index.");
}

// Quire's own handlers (src/server/shutdown.ts) drain the answers in flight, close the
// store and exit; without this variable Next.js would also exit on the signal, maybe first.
const port = process.env.PORT ?? "3000";
const serverEnv = { ...env, NEXT_MANUAL_SIG_HANDLE: "true" };
process.exit(await run(process.execPath, nextStartArgs(root, { port, env: serverEnv }), serverEnv));
