import { describe, expect, it } from "vitest";
import { checkChunkInvariants } from "@/src/server/rag/chunk/chunk-invariants";
import { chunkDocument } from "@/src/server/rag/chunk/chunker";
import { countTokens } from "@/src/server/rag/chunk/tokens";
import { parseDocument } from "@/src/server/rag/load/load-documents";

const options = { targetTokens: 120, overlapTokens: 20, baseUrl: "https://docs.example.com/docs" };

function paragraph(seed: number, sentences = 4): string {
  return Array.from({ length: sentences }, (_, index) => `Sentence ${seed}.${index} explains the node setup in some detail.`).join(" ");
}

function longFence(lines: number): string {
  return ["```bash", ...Array.from({ length: lines }, (_, index) => `echo "step ${index}" && ./qnode --flag-${index}`), "```"].join("\n");
}

describe("chunkDocument", () => {
  it("merges short neighbouring sections and never leaves a bare heading", () => {
    const document = parseDocument("guide/install.md", "# Guide\n\n## Install\n\nOne line.\n\n## Linux\n\nAnother line.\n\n## Windows\n\nUse WSL.\n");
    const chunks = chunkDocument(document, options);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatchObject({ heading: "Guide", url: "https://docs.example.com/docs/guide/install#guide" });
    expect(chunks[0]!.text).toContain("Use WSL.");
  });

  it("splits a long section with overlap, keeping the section's heading path and anchor", () => {
    const body = `# Guide\n\n## Install\n\n### On Linux\n\n${[1, 2, 3, 4, 5, 6].map((seed) => paragraph(seed)).join("\n\n")}\n`;
    const document = parseDocument("guide.md", body);
    const chunks = chunkDocument(document, options);
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks) expect(chunk.heading).toBe("Guide > Install > On Linux");
    expect(chunks[1]!.url).toBe("https://docs.example.com/docs/guide#on-linux");
    // Overlap: the second piece starts with the end of the first.
    const lastSentence = chunks[0]!.text.split(/(?<=\.)\s+/).at(-1)!;
    expect(chunks[1]!.text.startsWith(lastSentence)).toBe(true);
    expect(checkChunkInvariants(document, chunks, options.targetTokens)).toEqual([]);
  });

  it("never straddles two sections: a piece of one section is not followed by another section", () => {
    const body = `## A\n\n${paragraph(1, 12)}\n\n## B\n\n${paragraph(2, 2)}\n`;
    const chunks = chunkDocument(parseDocument("a.md", body), options);
    const withB = chunks.filter((chunk) => chunk.text.includes("## B"));
    expect(withB).toHaveLength(1);
    expect(withB[0]!.text.startsWith("## B")).toBe(true);
  });

  it("keeps a code fence whole, and re-wraps one that is larger than the target", () => {
    const small = `## Run\n\n${paragraph(1, 8)}\n\n${longFence(4)}\n\n${paragraph(2, 6)}\n`;
    const smallChunks = chunkDocument(parseDocument("run.md", small), options);
    expect(smallChunks.filter((chunk) => chunk.text.includes("```bash"))).toHaveLength(1);
    const big = `## Run\n\n${longFence(60)}\n`;
    const document = parseDocument("big.md", big);
    const bigChunks = chunkDocument(document, options);
    expect(bigChunks.length).toBeGreaterThan(3);
    for (const chunk of bigChunks) expect(chunk.text).toMatch(/^(## Run\n\n)?```bash\n[\s\S]*\n```$/);
    expect(checkChunkInvariants(document, bigChunks, options.targetTokens)).toEqual([]);
  });

  it("does not treat a # line inside a fence as a heading", () => {
    const chunks = chunkDocument(parseDocument("x.md", "# Top\n\n```sh\n# not a heading\nls\n```\n"), options);
    expect(chunks.map((chunk) => chunk.heading)).toEqual(["Top"]);
  });

  it("cuts an unbreakable run of emoji between code points", () => {
    const document = parseDocument("emoji.txt", "🚀".repeat(400));
    const chunks = chunkDocument(document, options);
    expect(chunks.length).toBeGreaterThan(1);
    expect(checkChunkInvariants(document, chunks, options.targetTokens)).toEqual([]);
  });

  it("holds its invariants on generated documents of mixed blocks", () => {
    for (let seed = 0; seed < 25; seed++) {
      const parts: string[] = [];
      for (let index = 0; index < 3 + (seed % 7); index++) {
        parts.push(`${"#".repeat(1 + ((seed + index) % 4))} Heading ${seed}-${index}`);
        if ((seed + index) % 3 === 0) parts.push(longFence(2 + ((seed * index) % 30)));
        parts.push(paragraph(index, 1 + ((seed + 2 * index) % 15)));
        if ((seed + index) % 5 === 0) parts.push("| a | b |\n|---|---|\n" + "| x | y |\n".repeat(seed % 40));
      }
      const document = parseDocument(`gen/${seed}.md`, parts.join("\n\n"));
      const chunks = chunkDocument(document, options);
      expect(checkChunkInvariants(document, chunks, options.targetTokens)).toEqual([]);
      for (const chunk of chunks) expect(chunk.tokenCount).toBe(countTokens(chunk.text));
    }
  });

  it("uses the frontmatter URL as is, and no URL without one or a base URL", () => {
    const withUrl = parseDocument("d.md", "---\ntitle: Daily\nsource_url: https://discord.com/channels/1/2\n---\n# Daily\n\nText.");
    expect(chunkDocument(withUrl, options)[0]!.url).toBe("https://discord.com/channels/1/2");
    const plain = parseDocument("p.md", "# P\n\nText.");
    expect(chunkDocument(plain, { targetTokens: 120, overlapTokens: 20 })[0]!.url).toBeNull();
  });

  it("takes an explicit {#id} as the anchor and drops it from the heading text", () => {
    const body = `# Guide {#top}\n\n${paragraph(1, 30)}\n\n## Install {#setup}\n\n${paragraph(2, 30)}\n\n## Install\n\n${paragraph(3, 30)}\n\n## Setup\n\n${paragraph(4, 30)}\n`;
    const chunks = chunkDocument(parseDocument("guide.md", body), options);
    const firsts = new Map<string, string>();
    for (const chunk of chunks) if (!firsts.has(chunk.heading)) firsts.set(chunk.heading, chunk.url ?? "");
    expect([...firsts.entries()]).toEqual([
      ["Guide", "https://docs.example.com/docs/guide#top"],
      ["Guide > Install", "https://docs.example.com/docs/guide#setup"],
      ["Guide > Setup", "https://docs.example.com/docs/guide#setup-1"],
    ]);
    expect(chunks.some((chunk) => chunk.text.includes("{#setup}"))).toBe(true);
  });
});
