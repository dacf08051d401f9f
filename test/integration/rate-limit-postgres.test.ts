import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/src/server/env";
import { connectPostgres } from "@/src/server/rag/store/postgres-client";
import type { SqlClient } from "@/src/server/rag/store/sql-client";
import { clientIdentity, type ClientIdentity } from "@/src/server/security/client-ip";
import { checkRateLimit, enforceRateLimit, type RateLimitRule } from "@/src/server/security/rate-limit";
import { closeSharedRateLimitStore } from "@/src/server/security/rate-limit-backend";
import { createPostgresRateLimitStore, RATE_LIMIT_TABLE } from "@/src/server/security/rate-limit-postgres";
import type { RateLimitStore } from "@/src/server/security/rate-limit-store";
import { postgresql, startPostgresServer, type PostgresServer } from "@/test/support/postgres-server";

/**
 * The PostgreSQL rate-limit store as several Quire instances use it: two stores on
 * two separate connection pools (two app instances) against one real server must
 * share one limit, exactly, even under concurrent hits.
 */
const MINUTE = 60_000;
const T0 = 1_800_000_000_000 - (1_800_000_000_000 % (10 * MINUTE));
const rule = (limit: number, windowMs = MINUTE): RateLimitRule => ({ action: "key_check", scope: "ip", limit, windowMs });
const client = (ipKey: string): ClientIdentity => ({ ip: ipKey, ipKey, credentialKey: null });
const TITLE = "rate limits shared by two instances through PostgreSQL";

// One visible line when the suite cannot run, instead of one skipped line per test.
if (postgresql.skipReason !== null) it.skip(`${TITLE} (skipped: ${postgresql.skipReason})`, () => undefined);
else
  describe(`${TITLE} (PostgreSQL ${postgresql.installation?.version})`, () => {
    let server: PostgresServer;
    let connectionA: SqlClient;
    let connectionB: SqlClient;
    let instanceA: RateLimitStore;
    let instanceB: RateLimitStore;

    beforeAll(async () => {
      server = await startPostgresServer();
      [connectionA, connectionB] = await Promise.all([connectPostgres(server.url()), connectPostgres(server.url())]);
      // Both create the table at once, as two instances starting together would.
      [instanceA, instanceB] = await Promise.all([
        createPostgresRateLimitStore(connectionA, { pruneIntervalMs: Number.POSITIVE_INFINITY }),
        createPostgresRateLimitStore(connectionB, { pruneIntervalMs: Number.POSITIVE_INFINITY }),
      ]);
    }, 120_000);

    afterAll(async () => {
      await Promise.all([connectionA?.close(), connectionB?.close()]);
      server?.stop();
    });

    it("creates its own unlogged table", async () => {
      const rows = await connectionA.query("SELECT relpersistence FROM pg_class WHERE relname = $1", [RATE_LIMIT_TABLE]);
      expect(rows).toEqual([{ relpersistence: "u" }]);
    });

    it("shares one limit across the two instances, and recovers after the window", async () => {
      const identity = client("203.0.113.1");
      const decisions = [];
      for (let index = 0; index < 6; index += 1) {
        decisions.push(await checkRateLimit([rule(5)], identity, { store: index % 2 === 0 ? instanceA : instanceB, now: T0 + index }));
      }
      expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, true, true, false]);
      expect(decisions[5]).toMatchObject({ retryAfterSeconds: 60 });
      expect(await checkRateLimit([rule(5)], identity, { store: instanceA, now: T0 + 30_000 })).toMatchObject({
        allowed: false,
        retryAfterSeconds: 30,
      });
      // Next window: the other instance sees the fresh window too.
      expect(await checkRateLimit([rule(5)], identity, { store: instanceB, now: T0 + MINUTE })).toEqual({ allowed: true });
      // Another client was never affected.
      expect(await checkRateLimit([rule(5)], client("203.0.113.2"), { store: instanceA, now: T0 + 10 })).toEqual({ allowed: true });
    });

    it("allows exactly 50 of 200 parallel hits spread over both instances", async () => {
      const identity = client("203.0.113.50");
      const decisions = await Promise.all(
        Array.from({ length: 200 }, (_, index) =>
          checkRateLimit([rule(50)], identity, { store: index % 2 === 0 ? instanceA : instanceB, now: T0 + 2 * MINUTE }),
        ),
      );
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(50);
      // Every hit got its own count: the upsert never lost or repeated one.
      const [row] = await connectionA.query(`SELECT count FROM ${RATE_LIMIT_TABLE} WHERE key LIKE '%:203.0.113.50'`);
      expect(row).toEqual({ count: 200 });
    });

    it("keeps counting in the current window when an instance's clock lags behind", async () => {
      const identity = client("203.0.113.60");
      await checkRateLimit([rule(2)], identity, { store: instanceA, now: T0 + 3 * MINUTE + 100 });
      // Instance B is 5 s behind and still computes the previous window: it must not reset the count.
      await checkRateLimit([rule(2)], identity, { store: instanceB, now: T0 + 3 * MINUTE - 5_000 });
      expect(await checkRateLimit([rule(2)], identity, { store: instanceA, now: T0 + 3 * MINUTE + 200 })).toMatchObject({ allowed: false });
    });

    it("stores only a hash of the credential, never the key", async () => {
      const key = "cpk_integration.very-secret-part";
      const request = new Request("http://quire.test/api/auth/chutes/key", { headers: { "x-forwarded-for": "198.51.100.9" } });
      const identity = clientIdentity(request, { credential: key, trust: { kind: "none" } });
      await checkRateLimit([{ ...rule(10), scope: "credential" }], identity, { store: instanceB, now: T0 });
      const rows = await connectionA.query(`SELECT key FROM ${RATE_LIMIT_TABLE} WHERE key LIKE 'key_check:credential:%'`);
      expect(rows).toEqual([{ key: `key_check:credential:${MINUTE}:${identity.credentialKey}` }]);
      const everything = JSON.stringify(await connectionA.query(`SELECT * FROM ${RATE_LIMIT_TABLE}`));
      expect(everything).not.toContain("very-secret-part");
      expect(everything).not.toContain("cpk_");
    });

    it("prunes expired rows now and then", async () => {
      const pruning = await createPostgresRateLimitStore(connectionA, { pruneIntervalMs: 0 });
      await instanceA.hit("stale", MINUTE, T0 - 10 * MINUTE);
      // Well past the stale window (and its clock-skew grace): the next hit deletes it.
      await pruning.hit("fresh", MINUTE, T0 + 60 * MINUTE);
      const keys = (await connectionA.query(`SELECT key FROM ${RATE_LIMIT_TABLE} ORDER BY key`)).map((row) => row.key);
      expect(keys).toEqual(["fresh"]);
    });

    it("is what the limiter uses when DATABASE_URL is set", async () => {
      const saved = { ...process.env };
      process.env = {
        ...saved,
        QUIRE_DATA_DIR: mkdtempSync(path.join(tmpdir(), "quire-rate-pg-")),
        SESSION_SECRET: "integration-test-secret-long-enough-for-quire",
        DATABASE_URL: server.url(),
        QUIRE_RATE_LIMIT_LOGIN: "2/1m",
      };
      resetEnvForTests();
      try {
        const identity = client("192.0.2.77");
        await enforceRateLimit("login", identity, { now: T0 });
        await enforceRateLimit("login", identity, { now: T0 });
        // A second process would see the same row: check through the other connection.
        const [row] = await connectionB.query(`SELECT count FROM ${RATE_LIMIT_TABLE} WHERE key = $1`, [`login:ip:${MINUTE}:192.0.2.77`]);
        expect(row).toEqual({ count: 2 });
        await expect(enforceRateLimit("login", identity, { now: T0 + 1_000 })).rejects.toMatchObject({
          status: 429,
          message: "Too many sign-in attempts from your address. Try again in 59 s.",
        });
      } finally {
        await closeSharedRateLimitStore();
        process.env = saved;
        resetEnvForTests();
      }
    });
  });
