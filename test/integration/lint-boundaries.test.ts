import path from "node:path";
import { ESLint } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";

/**
 * The layer rules live in eslint.config.mjs. Each case lints a one-line file placed
 * in a layer and checks that the import is refused (or allowed) by no-restricted-imports.
 */
const root = path.resolve(import.meta.dirname, "../..");
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

async function restrictedImports(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport const used = value;\n`, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((message) => message.ruleId === "no-restricted-imports").map((message) => message.message);
}

describe("ESLint holds the layer boundaries", () => {
  it.each([
    ["src/client/probe.tsx", 'import { env as value } from "@/src/server/env";', "Client code must never import server modules"],
    ["src/client/probe.tsx", 'import value from "server-only";', "Client code must never import server modules"],
    ["src/server/providers/probe.ts", 'import type { ResolvedCredential as value } from "@/src/server/auth/resolve-credential";', "choosing one is auth's job"],
    ["src/server/providers/probe.ts", 'import { getStore as value } from "@/src/server/rag/store";', "Providers know nothing of retrieval"],
    ["src/server/rag/probe.ts", 'import { operatorCredential as value } from "@/src/server/auth/operator-credential";', "choosing one is auth's job"],
    ["src/server/rag/probe.ts", 'import { GET as value } from "@/app/api/models/route";', "Nothing in src/ imports from app/"],
    ["src/server/rag/probe.ts", 'import { runChat as value } from "@/src/server/chat/chat-service";', "chat composes them"],
    ["src/shared/probe.ts", 'import { AppError as value } from "@/src/server/errors";', "src/shared is the bottom layer"],
    ["src/shared/probe.ts", 'import { ChatView as value } from "@/src/client/chat-view";', "src/shared is the bottom layer"],
    ["src/server/rag/store/probe.ts", 'import { env as value } from "../../env";', "Import through the @/ alias"],
  ])("%s: %s is refused", async (file, source, reason) => {
    const messages = await restrictedImports(file, source);
    expect(messages.join("\n")).toContain(reason);
  });

  it.each([
    ["src/client/probe.tsx", 'import { providerLabels as value } from "@/src/shared/providers";'],
    ["src/server/chat/probe.ts", 'import { requireCredential as value } from "@/src/server/auth/resolve-credential";'],
    ["src/server/rag/probe.ts", 'import { embedTexts as value } from "@/src/server/providers/embeddings";'],
    ["src/shared/probe.ts", 'import { providerIdSchema as value } from "@/src/shared/providers";'],
    ["app/api/probe/route.ts", 'import { runChat as value } from "@/src/server/chat/chat-service";'],
  ])("%s: %s is allowed", async (file, source) => {
    expect(await restrictedImports(file, source)).toEqual([]);
  });
});

describe("every server module is marked server-only", () => {
  it("starts each non-test file under src/server with import \"server-only\"", async () => {
    const { readdirSync, readFileSync } = await import("node:fs");
    const files = readdirSync(path.join(root, "src/server"), { recursive: true, encoding: "utf8" })
      // Declaration files (types for an untyped package) hold no code to guard.
      .filter((file) => /\.tsx?$/.test(file) && !/\.test\.tsx?$/.test(file) && !file.endsWith(".d.ts"));
    // next.config.ts reads the static headers in plain Node, where server-only throws.
    // The embedded database's worker thread is an entry of its own, where server-only's plain-Node export throws,
    // pglite-setup.ts is what it shares with the in-process client, and vector-memory.ts with its
    // dot-kernel.ts and search-memory.ts are what the worker keeps in memory (none of them import main-thread modules).
    const exempt = new Set([
      "security/headers.ts",
      "rag/store/pglite-worker.ts",
      "rag/store/pglite-setup.ts",
      "rag/store/vector-memory.ts",
      "rag/store/dot-kernel.ts",
      "rag/store/search-memory.ts",
    ]);
    const unmarked = files.filter(
      (file) => !exempt.has(file) && !/^import "server-only";$/m.test(readFileSync(path.join(root, "src/server", file), "utf8")),
    );
    expect(files.length).toBeGreaterThan(50);
    expect(unmarked).toEqual([]);
  });
});
