import nextCoreWebVitals from "eslint-config-next/core-web-vitals";
import nextTypeScript from "eslint-config-next/typescript";

/**
 * The layer rules (docs/architecture.md), held by the linter rather than by review:
 * imports flow app → src/server | src/client → src/shared, and inside the server,
 * chat → auth, rag, providers; auth → providers; rag → providers. Everything goes
 * through the "@/" alias; relative imports that climb out of a folder are refused
 * so that no path slips past these patterns. Type-only imports count too.
 */
const climbing = { group: ["../*"], message: "Import through the @/ alias so the layer rules can see it." };
const layer = (message, ...group) => ({ group, message });

const notApp = layer("Nothing in src/ imports from app/ (routes are the outermost layer).", "@/app/*");
const notCli = layer("Nothing in src/ imports the CLI or the test and bench code.", "@/cli/*", "@/test/*", "@/bench/*");
/** Tests beside the code may use the shared test helpers (test/support), never the CLI. */
const notCliFromTests = layer("Tests in src/ may import test/support, not the CLI or benchmarks.", "@/cli/*", "@/bench/*");
const TESTS = ["**/*.test.ts", "**/*.test.tsx"];
const serverOnly = layer("Client code must never import server modules (keys, tokens, the database live there).", "@/src/server/*", "server-only");
const notClient = layer("Server code does not import React client modules.", "@/src/client/*");
const notAuth = (who) => layer(`${who} receive a Credential; choosing one is auth's job (src/server/auth).`, "@/src/server/auth/*");
const notChat = (who) => layer(`${who} sit below chat/; chat composes them, not the other way round.`, "@/src/server/chat/*");
const notRag = layer("Providers know nothing of retrieval or storage.", "@/src/server/rag/*");

const rule = (patterns) => ({ "no-restricted-imports": ["error", { patterns: [climbing, ...patterns] }] });
/** The layer's rule for its code, and the same minus the test-helper ban for the tests beside it. */
const restrict = (files, patterns) => [
  { files, ignores: TESTS, rules: rule(patterns) },
  { files: files.map((glob) => `${glob.replace(/\/\*\*$/, "")}/**/*.test.{ts,tsx}`), rules: rule(patterns.map((pattern) => (pattern === notCli ? notCliFromTests : pattern))) },
];

export const layerRules = [
  restrict(["src/shared/**"], [layer("src/shared is the bottom layer: it imports libraries and itself only.", "@/app/*", "@/src/server/*", "@/src/client/*", "@/cli/*", "@/test/*", "@/bench/*", "server-only")]),
  restrict(["src/client/**"], [serverOnly, notApp, notCli]),
  restrict(["src/server/**"], [notClient, notApp, notCli]),
  restrict(["src/server/providers/**"], [notClient, notApp, notCli, notAuth("Providers"), notChat("Providers"), notRag]),
  restrict(["src/server/rag/**"], [notClient, notApp, notCli, notAuth("Retrieval and ingestion"), notChat("Retrieval and ingestion")]),
  restrict(["src/server/auth/**"], [notClient, notApp, notCli, notChat("Auth"), layer("Auth does not reach into retrieval.", "@/src/server/rag/*")]),
];

const config = [
  { ignores: [".next/**", "node_modules/**", "data/**", "next-env.d.ts", "bench/results/**"] },
  ...nextCoreWebVitals,
  ...nextTypeScript,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  ...layerRules.flat(),
];

export default config;
