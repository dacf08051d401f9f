// The command line of the server process: `npm start` (start.mjs) runs it, and so do the test and
// benchmark servers (test/e2e/support/app-server.ts), so that they measure what ships.
import path from "node:path";

/**
 * V8's semi-space, in MB (the young generation is up to three of them; Node 20's default is 16 MB
 * at this heap limit). A chat allocates mostly short-lived objects (stream chunks, parsed JSON,
 * promises); with room for more of them between scavenges, 200 simultaneous chats took about 5%
 * less CPU and finished 8-10% sooner in alternating `bench:load` runs (16, 32, 64 and 128 MB
 * compared in one sitting; 32 measured like the default, 128 no better than 64), for about 50 MiB
 * more RSS at that load. It applies to every thread of the process, the database's too.
 */
export const SEMI_SPACE_MB = 64;

/** Node reads NODE_OPTIONS before the command line: an operator's own size must not be overridden. */
const SETS_SEMI_SPACE = /--max[-_]semi[-_]space[-_]size(?![\w-])/;

/** The Node options to add for the server that will run with `env`: none that its NODE_OPTIONS already sets. */
export function serverNodeArgs(env = process.env) {
  return SETS_SEMI_SPACE.test(env.NODE_OPTIONS ?? "") ? [] : [`--max-semi-space-size=${SEMI_SPACE_MB}`];
}

/** `node`'s arguments for `next start` in `root`, on `port` (and `host`), for a server that will run with `env`. */
export function nextStartArgs(root, { port, host, env = process.env, nodeArgs = [] }) {
  const next = path.join(root, "node_modules/next/dist/bin/next");
  return [...serverNodeArgs(env), ...nodeArgs, next, "start", "-p", String(port), ...(host === undefined ? [] : ["-H", host])];
}
