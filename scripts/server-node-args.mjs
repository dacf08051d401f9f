// Node's options for the server process: `npm start` (start.mjs) passes them to `next start`, and so
// do the test and benchmark servers (test/e2e/support/app-server.ts), so that they measure what ships.

/**
 * V8's young generation, in MB per semi-space (Node 20's default is 16). A chat allocates mostly
 * short-lived objects (stream chunks, parsed JSON, promises); with room for more of them between
 * scavenges, 200 simultaneous chats took 5-10% less CPU and finished 8-10% sooner in alternating
 * `bench:load` runs (16, 32, 64 and 128 MB compared in one sitting; 128 measured no better than 64
 * and kept more memory), for about 50 MiB more RSS at that load.
 */
export const SEMI_SPACE_MB = 64;

/** The options to add: none that NODE_OPTIONS already sets, so an operator's own value wins. */
export function serverNodeArgs(env = process.env) {
  const options = env.NODE_OPTIONS ?? "";
  return /--max-semi-space-size\b/.test(options) ? [] : [`--max-semi-space-size=${SEMI_SPACE_MB}`];
}
