import { afterAll, beforeAll } from "vitest";
import { resetEnvForTests } from "@/src/server/env";

/** Sets environment variables for the test file and restores the previous values after it. */
export function envForThisFile(values: Record<string, string>): void {
  const saved = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  beforeAll(() => {
    Object.assign(process.env, values);
    resetEnvForTests();
  });
  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    resetEnvForTests();
  });
}
