import "server-only";
import { FenceTracker } from "@/src/server/rag/chunk/markdown-sections";
import type { Chunk, SourceDocument } from "@/src/server/rag/types";

/**
 * The chunker's invariants as checks that return the violations found. Shared by
 * the unit tests (synthetic documents) and the corpus test (every real file).
 */

/** Every opened fence in the text is closed again. */
export function hasBalancedFences(text: string): boolean {
  const fences = new FenceTracker();
  for (const line of text.split("\n")) fences.feed(line);
  return !fences.inside;
}

/** Text as compared for "nothing lost": fence delimiter lines dropped (big fences are re-wrapped), no whitespace. */
const comparable = (text: string): string =>
  text
    .split("\n")
    .filter((line) => !/^\s*(`{3,}|~{3,})/.test(line))
    .join("")
    .replace(/\s+/g, "");

/**
 * Nothing lost, nothing invented: walking the chunks in order, each one is some
 * overlap with what came before, then the next stretch of the body.
 */
function reconstructionProblem(document: SourceDocument, chunks: Chunk[]): string | null {
  // The chunker drops empty headings at the end of a page, unless they are all there is.
  const trimmed = comparable(document.body.replace(/(\n {0,3}#{1,6}[ \t][^\n]*\s*)+$/, ""));
  const body = trimmed === "" ? comparable(document.body) : trimmed;
  let position = 0;
  for (const chunk of chunks) {
    const text = comparable(chunk.text);
    let skip = 0;
    while (skip < text.length && !body.startsWith(text.slice(skip), position)) skip++;
    if (skip === text.length && text.length > 0) {
      return `${document.path}#${chunk.ordinal}: does not continue the body at "${body.slice(position, position + 40)}"`;
    }
    position += text.length - skip;
  }
  return position === body.length ? null : `${document.path}: lost the text from "${body.slice(position, position + 40)}"`;
}

/** Violations of: size bound, balanced fences, no lone surrogate, the body reproduced exactly. */
export function checkChunkInvariants(document: SourceDocument, chunks: Chunk[], targetTokens: number): string[] {
  const problems: string[] = [];
  for (const chunk of chunks) {
    const where = `${document.path}#${chunk.ordinal}`;
    if (chunk.tokenCount > targetTokens) problems.push(`${where}: ${chunk.tokenCount} tokens > ${targetTokens}`);
    if (!hasBalancedFences(chunk.text)) problems.push(`${where}: unbalanced code fence`);
    if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(chunk.text)) {
      problems.push(`${where}: split inside a code point`);
    }
    if (chunk.text.trim() === "") problems.push(`${where}: empty chunk`);
  }
  const lost = reconstructionProblem(document, chunks);
  if (lost) problems.push(lost);
  return problems;
}
