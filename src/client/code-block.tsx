"use client";

import { useEffect, useState, type ReactNode } from "react";
import { CopyButton } from "@/src/client/copy-button";
import type { Token } from "@/src/client/highlight";

type Highlighter = typeof import("@/src/client/highlight").highlight;

/**
 * The highlighter is a separate chunk, fetched the first time an answer shows a code
 * block: the chat's first load carries none of it.
 */
let loading: Promise<Highlighter> | undefined;
function loadHighlighter(): Promise<Highlighter> {
  loading ??= import("@/src/client/highlight").then((module) => module.highlight);
  return loading;
}

function renderTokens(tokens: readonly Token[]): ReactNode[] {
  return tokens.map((token, index) =>
    typeof token === "string" ? (
      token
    ) : (
      <span key={index} className={token.className}>
        {renderTokens(token.children)}
      </span>
    ),
  );
}

/** `language-ts` → `ts`. */
export function languageOf(className: string | undefined): string | null {
  const match = className?.match(/(?:^|\s)language-([\w+#.-]+)/);
  return match?.[1]?.toLowerCase() ?? null;
}

/** A fenced code block: plain at once, highlighted once the highlighter has loaded, with a Copy button. */
export function CodeBlock({ code, language }: { code: string; language: string | null }) {
  const [highlighter, setHighlighter] = useState<Highlighter | null>(null);
  useEffect(() => {
    if (language === null) return;
    let current = true;
    void loadHighlighter().then((loaded) => {
      if (current) setHighlighter(() => loaded);
    });
    return () => {
      current = false;
    };
  }, [language]);
  const tokens = highlighter && language ? highlighter(code, language) : null;
  return (
    <div className="code-block">
      <div className="code-block-bar">
        <span className="muted">{language ?? "text"}</span>
        <CopyButton text={() => code} label="Copy code" />
      </div>
      {/* Focusable, so that a keyboard can scroll a long line (WCAG 2.1.1). */}
      <pre tabIndex={0}>
        <code className={language ? `language-${language} hljs` : undefined}>{tokens ? renderTokens(tokens) : code}</code>
      </pre>
    </div>
  );
}
