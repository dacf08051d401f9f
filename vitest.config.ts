import path from "node:path";
import { configDefaults, defineConfig } from "vitest/config";

const root = path.dirname(new URL(import.meta.url).pathname);
const alias = {
  "@": root,
  // `server-only` throws outside React Server Components; tests run server code in plain Node.
  "server-only": path.join(root, "test/support/empty-module.ts"),
};

/**
 * Integration files that measure time or memory, or race short timeouts (lock heartbeats,
 * rate-limit windows, first-token and validation timeouts of a few hundred ms, a fuzz
 * with per-case deadlines): they run one at a time with the machine to themselves.
 */
const serialIntegrationFiles = [
  "test/integration/body-memory.test.ts",
  "test/integration/chat-route.test.ts",
  "test/integration/key-routes.test.ts",
  "test/integration/rate-limit-routes.test.ts",
  "test/integration/route-fuzz.test.ts",
  "test/integration/store-lock-crash.test.ts",
];

/**
 * Browser and server files that race a stream or a timer (a stream that must outlast an
 * interval sync or an ingest, a Stop that must close upstream within a second, the
 * first-token timeout card, Retry-After countdowns) or measure the server's memory: they
 * run one at a time, after the others.
 */
const serialE2eFiles = [
  "test/e2e/body-memory.test.ts",
  "test/e2e/connect-and-chat.test.ts",
  "test/e2e/error-cards.test.ts",
  "test/e2e/scale-out-postgres.test.ts",
  "test/e2e/server-sync-git.test.ts",
  "test/e2e/server-sync.test.ts",
];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["src/**/*.test.ts", "src/**/*.test.tsx", "cli/**/*.test.ts", "scripts/**/*.test.ts", "test/fakes/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...serialIntegrationFiles],
          environment: "node",
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // Two at a time: each file has its own fakes on port 0, its own temp dirs and its own
          // process (and so its own env); most of their time is spent waiting on child processes.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration-serial",
          include: serialIntegrationFiles,
          environment: "node",
          testTimeout: 30_000,
          hookTimeout: 60_000,
          fileParallelism: false,
          // After the parallel files, alone on the machine.
          sequence: { groupOrder: 2 },
        },
      },
      {
        resolve: { alias },
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          exclude: [...configDefaults.exclude, ...serialE2eFiles],
          globalSetup: ["test/e2e/support/global-setup.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 180_000,
          // Two at a time: each file starts its own fakes, app server (free port, own data dir) and browser.
          maxWorkers: 2,
          sequence: { groupOrder: 3 },
        },
      },
      {
        resolve: { alias },
        test: {
          name: "e2e-serial",
          include: serialE2eFiles,
          globalSetup: ["test/e2e/support/global-setup.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          sequence: { groupOrder: 4 },
        },
      },
    ],
  },
});
