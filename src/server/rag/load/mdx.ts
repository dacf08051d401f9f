import "server-only";
import { FenceTracker } from "@/src/server/rag/chunk/markdown-sections";

/**
 * Removes MDX noise (Docusaurus applies MDX to `.md` files too, so both get it)
 * that means nothing to a reader or a search: ESM `import` / `export` statements
 * and bare JSX components (`<ScriptViewer src="…" />`, also over several lines
 * with `{…}` props), plus Docusaurus admonition fences (`:::tip`, `:::`), whose
 * content is kept. Code fences are left untouched.
 *
 * One kind of export is content, not noise: API reference pages keep their
 * parameter tables as data (`export const REQUEST_PARAMETERS = [{ name, type,
 * description, required }]`) and render them with a component
 * (`<ParamsTable parameters={REQUEST_PARAMETERS} />`). Such an array becomes a
 * Markdown list where the component first uses it (or at the end of the page
 * when nothing uses it), so the parameters can be found and cited.
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

const dataExport = /^export\s+const\s+([A-Za-z_$][\w$]*)\s*=\s*\[/;
const stringLiteral = String.raw`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\x60(?:[^\x60\\]|\\.)*\x60`;
const property = new RegExp(String.raw`([A-Za-z_$][\w$]*|"[^"]+"|'[^']+')\s*:\s*(${stringLiteral}|-?\d+(?:\.\d+)?|true|false)`, "g");
const NAME_KEYS = ["name", "key", "field", "header", "parameter", "title"];

function unquote(literal: string): string {
  if (!/^["'\x60]/.test(literal)) return literal;
  return literal.slice(1, -1).replace(/\\(["'\x60\\])/g, "$1").replace(/\\n/g, " ");
}

/** The flat properties (strings, numbers, booleans) of each top-level `{…}` of an array literal. */
function arrayObjects(source: string): Record<string, string>[] {
  const objects: Record<string, string>[] = [];
  let depth = 0;
  let start = -1;
  const masked = source.replace(new RegExp(stringLiteral, "g"), (literal) => " ".repeat(literal.length));
  for (let index = 0; index < masked.length; index++) {
    const character = masked[index];
    if (character === "{") {
      if (depth === 0) start = index;
      depth++;
    } else if (character === "}") {
      depth--;
      if (depth === 0 && start !== -1) {
        const body = source.slice(start + 1, index);
        const entry: Record<string, string> = {};
        for (const match of body.matchAll(property)) entry[unquote(match[1] ?? "")] = unquote(match[2] ?? "");
        if (Object.keys(entry).length > 0) objects.push(entry);
        start = -1;
      }
    }
  }
  return objects;
}

/** An exported array of records as a Markdown list: `- **name** (type, required): description`. */
export function renderDataExport(statement: string): string | null {
  const objects = arrayObjects(statement.replace(dataExport, "["));
  const lines = objects.flatMap((entry) => {
    const nameKey = NAME_KEYS.find((key) => entry[key] !== undefined);
    const name = nameKey === undefined ? undefined : entry[nameKey];
    const qualifiers = [entry.type, entry.required === "true" ? "required" : entry.required === "false" ? "optional" : undefined].filter(Boolean);
    const rest = Object.entries(entry)
      .filter(([key]) => key !== nameKey && key !== "type" && key !== "required" && key !== "description")
      .map(([key, value]) => `${key}: ${value}`);
    const description = [entry.description, ...rest].filter(Boolean).join("; ");
    if (name === undefined && description === "") return [];
    const head = name === undefined ? "" : `**${name}**${qualifiers.length > 0 ? ` (${qualifiers.join(", ")})` : ""}`;
    return [`- ${[head, description].filter(Boolean).join(": ")}`];
  });
  return lines.length === 0 ? null : lines.join("\n");
}

export function stripMdx(body: string): string {
  const output: string[] = [];
  const fences = new FenceTracker();
  /** Rendered data exports by name, until a component uses them. */
  const exported = new Map<string, string>();
  const used = new Set<string>();
  let skipping: { depth: number; jsx: boolean; lines: string[] } | null = null;
  const finish = (statement: string[], jsx: boolean): void => {
    const text = statement.join("\n");
    if (!jsx) {
      const name = dataExport.exec(statement[0]?.trim() ?? "")?.[1];
      const rendered = name === undefined ? null : renderDataExport(text.trim());
      if (name !== undefined && rendered !== null) exported.set(name, rendered);
      return;
    }
    // A component that renders a data export: the list goes where the table would be.
    for (const match of text.matchAll(/=\{\s*([A-Za-z_$][\w$]*)\s*\}/g)) {
      const name = match[1] ?? "";
      const rendered = exported.get(name);
      if (rendered !== undefined && !used.has(name)) {
        used.add(name);
        output.push(rendered);
      }
    }
  };
  for (const line of body.split("\n")) {
    const wasInside = fences.inside;
    if (skipping === null && (fences.feed(line) || wasInside)) {
      output.push(line);
      continue;
    }
    const trimmed = line.trim();
    if (skipping !== null) {
      skipping.depth += bracketDepth(trimmed);
      skipping.lines.push(line);
      if (endsStatement(skipping.depth, trimmed, skipping.jsx)) {
        finish(skipping.lines, skipping.jsx);
        skipping = null;
      }
      continue;
    }
    if (admonition.test(trimmed) || trimmed === "/>") continue;
    if (componentLine.test(trimmed)) {
      finish([line], true);
      continue;
    }
    const jsx = componentStart.test(trimmed);
    if (jsx || esmStart.test(trimmed)) {
      const depth = bracketDepth(trimmed);
      if (!endsStatement(depth, trimmed, jsx)) skipping = { depth, jsx, lines: [line] };
      else finish([line], jsx);
      continue;
    }
    output.push(line.replace(/<\/?(details|summary)>/g, ""));
  }
  for (const [name, rendered] of exported) if (!used.has(name)) output.push("", rendered);
  return output.join("\n");
}
