import { FenceTracker } from "@/src/server/rag/chunk/markdown-sections";

/**
 * Removes MDX noise (Docusaurus applies MDX to `.md` files too, so both get it)
 * that means nothing to a reader or a search: ESM `import` / `export` statements
 * and bare JSX components (`<ScriptViewer src="…" />`, also over several lines
 * with `{…}` props), plus Docusaurus admonition fences (`:::tip`, `:::`), whose
 * content is kept. Code fences are left untouched.
 */

const esmStart = /^(import\s+(.+\s+from\s+)?["'][^"']+["'];?|import\s+[\w{}\s,*]+$|export\s+(default|const|let|function|\{))/;
const componentLine = /^<\/?[A-Z][\w.]*(\s[^<>]*)?\/?>$/;
const componentStart = /^<[A-Z][\w.]*(\s.*)?$/;
const admonition = /^:::\s*[\w-]*(\s.*)?$/;

/** Net count of opening minus closing brackets, ignoring quoted strings. */
function bracketDepth(line: string): number {
  const unquoted = line.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`/g, "");
  let depth = 0;
  for (const character of unquoted) {
    if ("([{".includes(character)) depth++;
    else if (")]}".includes(character)) depth--;
  }
  return depth;
}

/** Where a multi-line statement or component ends: brackets balanced and (for JSX) the tag closed. */
function endsStatement(depth: number, trimmed: string, jsx: boolean): boolean {
  if (depth > 0) return false;
  return !jsx || trimmed.endsWith(">");
}

export function stripMdx(body: string): string {
  const output: string[] = [];
  const fences = new FenceTracker();
  let skipping: { depth: number; jsx: boolean } | null = null;
  for (const line of body.split("\n")) {
    const wasInside = fences.inside;
    if (skipping === null && (fences.feed(line) || wasInside)) {
      output.push(line);
      continue;
    }
    const trimmed = line.trim();
    if (skipping !== null) {
      skipping.depth += bracketDepth(trimmed);
      if (endsStatement(skipping.depth, trimmed, skipping.jsx)) skipping = null;
      continue;
    }
    if (admonition.test(trimmed) || componentLine.test(trimmed) || trimmed === "/>") continue;
    const jsx = componentStart.test(trimmed);
    if (jsx || esmStart.test(trimmed)) {
      const depth = bracketDepth(trimmed);
      if (!endsStatement(depth, trimmed, jsx)) skipping = { depth, jsx };
      continue;
    }
    output.push(line.replace(/<\/?(details|summary)>/g, ""));
  }
  return output.join("\n");
}
