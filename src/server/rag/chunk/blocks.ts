import "server-only";
import { FenceTracker } from "@/src/server/rag/chunk/markdown-sections";
import { countTokens } from "@/src/server/rag/chunk/tokens";

/** A unit the chunker never cuts: a paragraph, a list, a table, or a whole fenced code block. */
export interface Block {
  text: string;
  tokens: number;
  fence: boolean;
}

const block = (text: string, fence: boolean): Block => ({ text, tokens: countTokens(text), fence });

/** Paragraph-level blocks of a section. Blank lines inside a code fence do not end it. */
export function splitBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  const fences = new FenceTracker();
  let lines: string[] = [];
  let fence = false;
  const flush = (): void => {
    const joined = lines.join("\n").replace(/^\n+|\s+$/g, "");
    if (joined.trim() !== "") blocks.push(block(joined, fence));
    lines = [];
    fence = false;
  };
  for (const line of text.split("\n")) {
    const wasInside = fences.inside;
    const isDelimiter = fences.feed(line);
    if (isDelimiter && !wasInside) {
      flush();
      fence = true;
    }
    if (!wasInside && !isDelimiter && line.trim() === "") {
      flush();
      continue;
    }
    lines.push(line);
    if (isDelimiter && wasInside) flush();
  }
  flush();
  return blocks;
}

/** Greedily joins parts (each within the limit) into as few pieces as fit. */
function pack(parts: string[], joiner: string, limit: number): string[] {
  const pieces: string[] = [];
  let current = "";
  for (const part of parts) {
    const candidate = current === "" ? part : `${current}${joiner}${part}`;
    if (current !== "" && countTokens(candidate) > limit) {
      pieces.push(current);
      current = part;
    } else {
      current = candidate;
    }
  }
  if (current !== "") pieces.push(current);
  return pieces;
}

/** Splitters from coarse to fine; the last one cuts between code points, never inside one. */
const splitters: { split: (text: string) => string[]; joiner: string }[] = [
  { split: (text) => text.split("\n"), joiner: "\n" },
  { split: (text) => text.split(/(?<=[.!?])\s+/u), joiner: " " },
  { split: (text) => text.split(/\s+/u), joiner: " " },
  { split: (text) => Array.from(text), joiner: "" },
];

/** Splits text into pieces of at most `limit` tokens at the coarsest boundary that works. */
export function splitText(text: string, limit: number, level = 0): string[] {
  if (countTokens(text) <= limit) return [text];
  const splitter = splitters[Math.min(level, splitters.length - 1)]!;
  const parts = splitter.split(text).filter((part) => part !== "");
  const fitted = parts.flatMap((part) =>
    countTokens(part) <= limit || level >= splitters.length - 1 ? [part] : splitText(part, limit, level + 1),
  );
  return pack(fitted, splitter.joiner, limit);
}

/**
 * Splits a block larger than `limit` tokens. A code fence is cut between lines
 * and every piece is re-wrapped in the fence's own delimiters, so no piece holds
 * half a fence.
 */
export function splitOversizedBlock(oversized: Block, limit: number): Block[] {
  if (!oversized.fence) return splitText(oversized.text, limit).map((text) => block(text, false));
  const lines = oversized.text.split("\n");
  const opening = lines[0] ?? "```";
  const closingCandidate = lines.at(-1) ?? "";
  const closed = lines.length > 1 && closingCandidate.trim().startsWith(opening.trim().slice(0, 3));
  const closing = closed ? closingCandidate : opening.trim().replace(/[^`~].*$/, "");
  const inner = lines.slice(1, closed ? -1 : undefined).join("\n");
  // Joining can merge tokens across the seams, so shrink the body limit until every wrapped piece fits.
  for (let bodyLimit = Math.max(1, limit - countTokens(`${opening}\n\n${closing}`)); ; bodyLimit--) {
    const pieces = splitText(inner, bodyLimit).map((piece) => block(`${opening}\n${piece}\n${closing}`, true));
    if (bodyLimit <= 1 || pieces.every((piece) => piece.tokens <= limit)) return pieces;
  }
}
