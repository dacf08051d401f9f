import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { SEMI_SPACE_MB, serverNodeArgs } from "@/scripts/server-node-args.mjs";

describe("the server's Node options", () => {
  it("widens V8's young generation unless NODE_OPTIONS already sizes it", () => {
    expect(serverNodeArgs({})).toEqual([`--max-semi-space-size=${SEMI_SPACE_MB}`]);
    expect(serverNodeArgs({ NODE_OPTIONS: "--enable-source-maps" })).toEqual([`--max-semi-space-size=${SEMI_SPACE_MB}`]);
    expect(serverNodeArgs({ NODE_OPTIONS: "--enable-source-maps --max-semi-space-size=8" })).toEqual([]);
  });

  it("are options this Node accepts", () => {
    const result = spawnSync(process.execPath, [...serverNodeArgs({}), "-e", "process.exit(0)"], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });
});
