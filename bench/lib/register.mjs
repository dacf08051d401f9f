// `node --import ./bench/lib/register.mjs bench/x.ts`: TypeScript with the project's
// "@/..." paths (tsx), and `server-only` as an empty module, as in the CLI.
import { register as registerHooks } from "node:module";
import { fileURLToPath } from "node:url";
import { register as registerTsx } from "tsx/esm/api";

registerTsx({ tsconfig: fileURLToPath(new URL("../../tsconfig.json", import.meta.url)) });
registerHooks("../../cli/server-only-hook.mjs", import.meta.url);
