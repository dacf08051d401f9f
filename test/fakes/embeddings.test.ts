import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { cosineSimilarity } from "./embedding";
import { startFakeProviders, type FakeProviders } from "./server";
import { postJson } from "./test-support";

let fakes: FakeProviders;
let chutesKey: string;
let openrouterKey: string;
beforeAll(async () => {
  fakes = await startFakeProviders();
  chutesKey = fakes.keys.chutesKey();
  openrouterKey = fakes.keys.openrouterKey();
});
afterAll(() => fakes.close());
beforeEach(() => fakes.reset());

/** The ORSDK schema requires these literals (PROTOCOLS §2.2); Chutes sends them too. */
const embeddingResponseSchema = z.object({
  object: z.literal("list"),
  model: z.string(),
  data: z.array(z.object({ object: z.literal("embedding"), index: z.number(), embedding: z.array(z.number()).length(1024) })),
  usage: z.object({ prompt_tokens: z.number(), total_tokens: z.number() }),
});

async function embedChutes(input: string | string[]): Promise<number[][]> {
  const response = await postJson(`${fakes.chutesEmbedUrl}/embeddings`, { input, model: "BAAI/bge-m3" }, `Bearer ${chutesKey}`);
  expect(response.status).toBe(200);
  return embeddingResponseSchema.parse(await response.json()).data.map((item) => item.embedding);
}

async function embedOpenRouter(input: string | string[]): Promise<number[][]> {
  const response = await postJson(`${fakes.openrouterUrl}/embeddings`, { input, model: "baai/bge-m3" }, `Bearer ${openrouterKey}`);
  expect(response.status).toBe(200);
  const body = embeddingResponseSchema.extend({ provider: z.string() }).parse(await response.json());
  return body.data.map((item) => item.embedding);
}

describe("embeddings (PROTOCOLS §1.4, §2.2)", () => {
  it("wait embedDelayMs when set, else firstTokenDelayMs, on both providers", async () => {
    const elapsed = async (embed: () => Promise<unknown>) => {
      const started = performance.now();
      await embed();
      return performance.now() - started;
    };
    fakes.setBehavior("*", { embedDelayMs: 150, firstTokenDelayMs: 0 });
    expect(await elapsed(() => embedChutes("a"))).toBeGreaterThanOrEqual(145);
    expect(await elapsed(() => embedOpenRouter("a"))).toBeGreaterThanOrEqual(145);
    fakes.setBehavior("*", { embedDelayMs: 0, firstTokenDelayMs: 400 });
    expect(await elapsed(() => embedChutes("a"))).toBeLessThan(300);
    fakes.setBehavior("*", { firstTokenDelayMs: 150 });
    expect(await elapsed(() => embedChutes("a"))).toBeGreaterThanOrEqual(145);
  });

  it("return 1024-dim vectors in input order, the same on both providers and across calls", async () => {
    const texts = ["How do I configure the index?", "Postgres scaling guide"];
    const chutes = await embedChutes(texts);
    expect(chutes).toHaveLength(2);
    expect(await embedChutes(texts)).toEqual(chutes);
    expect(await embedOpenRouter(texts)).toEqual(chutes);
    expect(await embedChutes(texts[1] ?? "")).toEqual([chutes[1]]);
  });

  it("make texts that share words more similar than unrelated texts", async () => {
    const [query, related, unrelated] = await embedChutes([
      "How do I configure the vector index?",
      "Configuring the vector index for retrieval",
      "Bananas are rich in potassium",
    ]);
    const near = cosineSimilarity(query ?? [], related ?? []);
    const far = cosineSimilarity(query ?? [], unrelated ?? []);
    expect(near).toBeGreaterThan(far + 0.2);
  });

  it("Chutes accepts a null or missing model (per-chute host)", async () => {
    const response = await postJson(`${fakes.chutesEmbedUrl}/embeddings`, { input: ["x"], model: null }, `Bearer ${chutesKey}`);
    expect(response.status).toBe(200);
    expect((await response.json()).model).toBe("BAAI/bge-m3");
  });

  it("OpenRouter requires an embedding model", async () => {
    const missing = await postJson(`${fakes.openrouterUrl}/embeddings`, { input: "x" }, `Bearer ${openrouterKey}`);
    expect(missing.status).toBe(400);
    const chatModel = await postJson(`${fakes.openrouterUrl}/embeddings`, { input: "x", model: "deepseek/deepseek-chat-v3.1" }, `Bearer ${openrouterKey}`);
    expect(chatModel.status).toBe(404);
  });

  it("honour reject, credits, rate limit and unavailable knobs", async () => {
    const cases = [
      [{ reject: true }, 401, 401],
      [{ creditsExhausted: "before" }, 402, 402],
      [{ creditsExhausted: "midstream" }, 402, 402],
      [{ rateLimit: { retryAfterSeconds: 3 } }, 429, 429],
      [{ unavailable: true }, 503, 503],
    ] as const;
    for (const [behavior, chutesStatus, openrouterStatus] of cases) {
      fakes.setBehavior(chutesKey, behavior);
      fakes.setBehavior(openrouterKey, behavior);
      const chutes = await postJson(`${fakes.chutesEmbedUrl}/embeddings`, { input: "x" }, `Bearer ${chutesKey}`);
      const openrouter = await postJson(`${fakes.openrouterUrl}/embeddings`, { input: "x", model: "baai/bge-m3" }, `Bearer ${openrouterKey}`);
      expect([chutes.status, openrouter.status]).toEqual([chutesStatus, openrouterStatus]);
    }
    const limited = await postJson(`${fakes.chutesEmbedUrl}/embeddings`, { input: "x" }, `Bearer ${chutesKey}`);
    expect(limited.headers.get("retry-after")).toBeNull();
    fakes.setBehavior(chutesKey, { rateLimit: { retryAfterSeconds: 3 } });
    expect((await postJson(`${fakes.chutesEmbedUrl}/embeddings`, { input: "x" }, `Bearer ${chutesKey}`)).headers.get("retry-after")).toBe("3");
  });

  it("records embedding requests with their body", async () => {
    await embedChutes(["a", "b"]);
    const [recorded] = fakes.requests;
    expect(recorded).toMatchObject({ provider: "chutes", surface: "embed", method: "POST", path: "/embeddings", status: 200, body: { input: ["a", "b"], model: "BAAI/bge-m3" } });
  });
});
