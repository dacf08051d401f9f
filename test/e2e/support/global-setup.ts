import { BUILD_CHECKED, ensureBuilt } from "@/test/e2e/support/app-server";

/** Builds the app once, before the first browser test file, when the build is missing or stale. */
export default function setup(): void {
  ensureBuilt();
  process.env[BUILD_CHECKED] = "1";
}
