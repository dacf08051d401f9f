#!/usr/bin/env node
// The `quire` command: a tiny launcher that runs the TypeScript CLI (cli/main.ts) with tsx.
import { register as registerHooks } from "node:module";
import { fileURLToPath } from "node:url";
import { register as registerTsx } from "tsx/esm/api";

// tsx resolves the "@/..." alias from the project's own tsconfig, whatever the working directory.
registerTsx({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });
// `server-only` throws outside React Server Components; the CLI runs server code in plain Node.
registerHooks("./server-only-hook.mjs", import.meta.url);

const { main } = await import("./main.ts");
process.exitCode = await main(process.argv.slice(2));
