import { newConversation, type Conversation } from "@/src/client/history/conversation-schema";

/** A `source-url` part as the chat stream sends it, our source in its providerMetadata. */
export const sourcePart = {
  type: "source-url",
  sourceId: "s1",
  url: "https://docs.example.com/install#linux",
  providerMetadata: {
    quire: { id: "c1", index: 1, title: "Install", heading: "Linux", url: "https://docs.example.com/install#linux", href: "https://docs.example.com/install#linux", path: "install.md", snippet: "apt install" },
  },
};

/** A question and a sourced answer with metadata. */
export function sampleConversation(id: string, question: string, updatedAt: number, createdAt = 0): Conversation {
  return {
    ...newConversation(createdAt, id),
    title: question,
    updatedAt,
    messages: [
      { id: `${id}-q`, role: "user", parts: [{ type: "text", text: question }] },
      { id: `${id}-a`, role: "assistant", parts: [sourcePart, { type: "text", text: "Run the installer [1]." }], metadata: { provider: "chutes", model: "m1" } },
    ],
  };
}
