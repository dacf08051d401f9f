import "server-only";
import { countTokens as countBpeTokens } from "gpt-tokenizer";

const noSpecialTokens = { disallowedSpecial: new Set<string>() };

/**
 * Token count with OpenAI's o200k encoding. BGE-M3 tokenises differently, so
 * sizes are estimates of the same order;
 * the target leaves ample room under BGE-M3's 8192-token input limit.
 * Text that looks like a special token (`<|endoftext|>`) is counted as plain text.
 */
export function countTokens(text: string): number {
  return countBpeTokens(text, noSpecialTokens);
}
