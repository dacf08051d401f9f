#!/usr/bin/env node
// `npm test`: type check, lint, then every suite (unit, integration, build, browser).
// Ends with one plain line, "N passed, N failed, N skipped", and a non-zero exit on any failure.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { recordBuild, sourceStamp } from "./build-stamp.mjs";

const root = path.resolve(import.meta.dirname, "..");
const resultsDir = path.join(root, "test-results");
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const totals = { passed: 0, failed: 0, skipped: 0 };
const failedSteps = [];
const started = Date.now();

function step(name, command, args) {
  console.log(`\n=== ${name} ===`);
  const began = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env });
  const ok = result.status === 0;
  console.log(`=== ${name}: ${ok ? "ok" : "FAILED"} (${((Date.now() - began) / 1000).toFixed(1)} s) ===`);
  if (!ok) failedSteps.push(name);
  return ok;
}

/**
 * Steps that need no machine to themselves (one core each), run at the same time; each
 * one's output is printed whole when it ends, so the log reads as if they ran in turn.
 */
async function stepsTogether(steps) {
  const results = await Promise.all(
    steps.map(
      ([name, command, args]) =>
        new Promise((resolve) => {
          const began = Date.now();
          const child = spawn(command, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
          let output = "";
          child.stdout.on("data", (data) => (output += data));
          child.stderr.on("data", (data) => (output += data));
          child.on("error", (error) => (output += `${error.message}\n`));
          child.on("close", (code) => {
            const ok = code === 0;
            if (output !== "" && !output.endsWith("\n")) output += "\n";
            console.log(`\n=== ${name} ===\n${output}=== ${name}: ${ok ? "ok" : "FAILED"} (${((Date.now() - began) / 1000).toFixed(1)} s) ===`);
            resolve({ name, ok });
          });
        }),
    ),
  );
  for (const { name, ok } of results) if (!ok) failedSteps.push(name);
}

/** One vitest run over the given projects (the first names the step and its report). */
function suite(...projects) {
  const [name] = projects;
  const output = path.join(resultsDir, `${name}.json`);
  const selection = projects.flatMap((project) => ["--project", project]);
  step(`${name} tests`, bin("vitest"), ["run", ...selection, "--reporter=default", "--reporter=json", `--outputFile=${output}`]);
  if (!existsSync(output)) {
    totals.failed += 1;
    return;
  }
  const report = JSON.parse(readFileSync(output, "utf8"));
  totals.passed += report.numPassedTests ?? 0;
  // A file that fails to load has no failed test of its own; count it once.
  const failedTests = report.numFailedTests ?? 0;
  totals.failed += failedTests > 0 ? failedTests : report.success === false ? Math.max(1, report.numFailedTestSuites ?? 0) : 0;
  totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}

// Both are single-threaded: on two cores they take the time of the longer one.
await stepsTogether([
  ["type check", bin("tsc"), ["--noEmit"]],
  ["lint", bin("eslint"), ["--max-warnings=0", "."]],
]);
suite("unit");
// The parallel integration files first, then those that need the machine to themselves.
suite("integration", "integration-serial");
const stamp = sourceStamp(root);
if (step("build", process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"])) {
  recordBuild(root, stamp);
  suite("e2e", "e2e-serial");
}
else totals.failed += 1;

const minutes = ((Date.now() - started) / 60000).toFixed(1);
if (failedSteps.length > 0) console.log(`\nFailed steps: ${failedSteps.join(", ")}`);
console.log(`\nSuite time: ${minutes} min`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failedSteps.length > 0 || totals.failed > 0 ? 1 : 0);
