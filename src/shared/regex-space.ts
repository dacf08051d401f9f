/**
 * Whether a UTF-16 code unit is matched by `\s` in a JavaScript regex (WhiteSpace and
 * LineTerminator of ECMA-262, Zs included), for hand-written scans that replace
 * backtracking regexes (client/citations.ts, rag/retrieve/snippet.ts) and must drop
 * exactly what the regex dropped. Its test compares it with /\s/ on all 65,536 units.
 */
export function isRegexSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}
