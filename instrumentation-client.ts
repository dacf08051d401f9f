import { config } from "zod/v4/core";

// Runs before hydration, so before the first schema parse in the browser. Zod 4 probes
// for eval (`new Function("")`) to choose its compiled fast path; the CSP has no
// 'unsafe-eval', so the probe fails (zod catches it) but the browser still reports a
// violation on every page. jitless skips both the probe and the compiled path.
config({ jitless: true });
