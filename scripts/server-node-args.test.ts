import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { nextStartArgs, SEMI_SPACE_MB, serverNodeArgs } from "@/scripts/server-node-args.mjs";

const OURS = `--max-semi-space-size=${SEMI_SPACE_MB}`;

describe("the server's Node options", () => {
  it("size V8's semi-space unless NODE_OPTIONS already does, in any spelling Node accepts", () => {
    expect(serverNodeArgs({})).toEqual([OURS]);
    expect(serverNodeArgs({ NODE_OPTIONS: "--enable-source-maps --max-semi-space-sizes" })).toEqual([OURS]);
    for (const options of ["--max-semi-space-size=8", "--enable-source-maps --max-semi-space-size 8", "--max_semi_space_size=8"]) {
      expect(serverNodeArgs({ NODE_OPTIONS: options })).toEqual([]);
    }
  });

  it("are options this Node accepts", () => {
    const result = spawnSync(process.execPath, [...serverNodeArgs({}), "-e", "process.exit(0)"], {
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("come before `next start` and the caller's own options, and follow the server's env", () => {
    expect(nextStartArgs("/app", { port: 3000, env: {} })).toEqual([OURS, "/app/node_modules/next/dist/bin/next", "start", "-p", "3000"]);
    expect(nextStartArgs("/app", { port: 4000, host: "127.0.0.1", env: { NODE_OPTIONS: "--max-semi-space-size=8" }, nodeArgs: ["--cpu-prof"] })).toEqual([
      "--cpu-prof",
      "/app/node_modules/next/dist/bin/next",
      "start",
      "-p",
      "4000",
      "-H",
      "127.0.0.1",
    ]);
  });
});
