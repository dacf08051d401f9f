import { describe, expect, it } from "vitest";
import { embedMany, generateText } from "ai";
import { callChatModel, callEmbeddingModel } from "@/src/server/providers/create-model";
import type { Credential } from "@/src/server/credential";

const alice: Credential = { provider: "chutes", token: "cpk_alice.key.secret", source: "header" };
const bob: Credential = { provider: "chutes", token: "cpk_bob.key.secret", source: "header" };

/** A fetch that answers a chat completion after `delayMs`, recording the Authorization it was sent. */
function recordingFetch(seen: string[], delayMs: number, reply: string): typeof fetch {
  return async (_input, init) => {
    seen.push(new Headers(init?.headers).get("authorization") ?? "none");
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return Response.json({
      id: "c",
      object: "chat.completion",
      created: 1,
      model: "m",
      choices: [{ index: 0, message: { role: "assistant", content: reply }, finish_reason: "stop" }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    });
  };
}

describe("shared model adapters", () => {
  it("send each call with its own credential through its own fetch, even interleaved, on one shared model", async () => {
    const seenByAlice: string[] = [];
    const seenByBob: string[] = [];
    const models: unknown[] = [];
    const ask = (credential: Credential, fetchImpl: typeof fetch) =>
      callChatModel(credential, "deepseek-ai/DeepSeek-V3.2-TEE", fetchImpl, async (model) => {
        models.push(model);
        // The request starts after an await, outside the synchronous call.
        await new Promise((resolve) => setTimeout(resolve, 5));
        return (await generateText({ model, prompt: "hi", maxRetries: 0 })).text;
      });
    const answers = await Promise.all([
      ask(alice, recordingFetch(seenByAlice, 30, "for alice")),
      ask(bob, recordingFetch(seenByBob, 1, "for bob")),
      ask(alice, recordingFetch(seenByAlice, 10, "for alice again")),
    ]);
    expect(answers).toEqual(["for alice", "for bob", "for alice again"]);
    expect(seenByAlice).toEqual([`Bearer ${alice.token}`, `Bearer ${alice.token}`]);
    expect(seenByBob).toEqual([`Bearer ${bob.token}`]);
    expect(new Set(models).size).toBe(1);
  });

  it("keeps one adapter per provider and model, and the embedding model apart", async () => {
    let chat: unknown;
    let other: unknown;
    callChatModel(alice, "model-a", undefined, (model) => (chat = model));
    callChatModel(alice, "model-b", undefined, (model) => (other = model));
    expect(other).not.toBe(chat);
    callChatModel(bob, "model-a", undefined, (model) => expect(model).toBe(chat));
    callChatModel({ ...alice, provider: "openrouter", token: "sk-or-v1-x" }, "model-a", undefined, (model) => expect(model).not.toBe(chat));
    const seen: string[] = [];
    const embedFetch: typeof fetch = async (_input, init) => {
      seen.push(new Headers(init?.headers).get("authorization") ?? "none");
      return Response.json({ object: "list", data: [{ object: "embedding", index: 0, embedding: [0.5, 0.5] }], model: "m", usage: { prompt_tokens: 1, total_tokens: 1 } });
    };
    const result = await callEmbeddingModel(bob, embedFetch, (model) => embedMany({ model, values: ["x"], maxRetries: 0 }));
    expect(result.embeddings).toEqual([[0.5, 0.5]]);
    expect(seen).toEqual([`Bearer ${bob.token}`]);
  });
});
