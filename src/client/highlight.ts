import { createLowlight } from "lowlight";
import bash from "highlight.js/lib/languages/bash";
import css from "highlight.js/lib/languages/css";
import diff from "highlight.js/lib/languages/diff";
import go from "highlight.js/lib/languages/go";
import ini from "highlight.js/lib/languages/ini";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import markdown from "highlight.js/lib/languages/markdown";
import python from "highlight.js/lib/languages/python";
import rust from "highlight.js/lib/languages/rust";
import sql from "highlight.js/lib/languages/sql";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";
import type { ElementContent, RootContent } from "hast";

/**
 * The syntax highlighter, loaded on demand (see code-block.tsx): lowlight (highlight.js
 * grammars, output as a tree rather than HTML, so nothing reaches innerHTML) with the
 * languages documentation answers use most. Other languages stay plain text.
 */
const lowlight = createLowlight({ bash, css, diff, go, ini, javascript, json, markdown, python, rust, sql, typescript, xml, yaml });
lowlight.registerAlias({
  bash: ["sh", "shell", "zsh", "console"],
  javascript: ["js", "jsx", "mjs", "cjs"],
  typescript: ["ts", "tsx", "mts"],
  xml: ["html", "svg"],
  yaml: ["yml"],
  ini: ["toml", "env", "dotenv"],
  markdown: ["md", "mdx"],
  python: ["py"],
  rust: ["rs"],
});

/** A highlighted span: the highlight.js class names (`hljs-keyword` …) and what it contains. */
export type Token = string | { className: string; children: Token[] };

function toTokens(nodes: readonly (RootContent | ElementContent)[]): Token[] {
  return nodes.flatMap((node): Token[] => {
    if (node.type === "text") return [node.value];
    if (node.type !== "element") return [];
    const className = node.properties.className;
    return [{ className: Array.isArray(className) ? className.join(" ") : "", children: toTokens(node.children) }];
  });
}

/** Tokens for `code` in `language`, or null when the language is not one of those loaded. */
export function highlight(code: string, language: string): Token[] | null {
  if (!lowlight.registered(language)) return null;
  return toTokens(lowlight.highlight(language, code).children);
}
