"use client";

import type { Element, ElementContent } from "hast";
import Markdown, { type Components } from "react-markdown";
import { sourceLabel } from "@/src/client/answer-text";
import { CITE_PREFIX, linkCitations } from "@/src/client/citations";
import { CodeBlock, languageOf } from "@/src/client/code-block";
import { safeMarkdownOptions } from "@/src/shared/safe-markdown";
import { safeHref } from "@/src/shared/safe-url";
import type { ChatSource } from "@/src/shared/sources";

function CitationChip({ source }: { source: ChatSource }) {
  const href = safeHref(source.href);
  if (href === null) return <span className="citation" title={sourceLabel(source)}>{source.index}</span>;
  return (
    <a
      className="citation"
      href={href}
      target="_blank"
      rel="noreferrer"
      title={sourceLabel(source)}
      aria-label={`Source ${source.index}: ${source.title}`}
    >
      {source.index}
    </a>
  );
}

function textOf(node: ElementContent): string {
  if (node.type === "text") return node.value;
  return node.type === "element" ? node.children.map(textOf).join("") : "";
}

/** A fenced block's `<pre><code class="language-x">` as a CodeBlock (highlighting, Copy). */
function codeBlockOf(pre: Element | undefined) {
  const code = pre?.children.find((child): child is Element => child.type === "element" && child.tagName === "code");
  const className = code?.properties.className;
  const language = languageOf(Array.isArray(className) ? className.join(" ") : undefined);
  return <CodeBlock code={code ? textOf(code).replace(/\n$/, "") : ""} language={language} />;
}

/**
 * Renders an answer as Markdown (GFM: tables, lists, fenced code with highlighting and a
 * Copy button), with citation chips wherever a marker sits; images and raw HTML are not rendered.
 */
export default function AnswerMarkdown({ text, sources }: { text: string; sources: ChatSource[] }) {
  const byIndex = new Map(sources.map((source) => [source.index, source]));
  const components: Components = {
    pre: ({ node }) => codeBlockOf(node),
    // A wide table scrolls inside the answer instead of widening the page (a 360 px phone).
    table: ({ children }) => (
      <div className="table-scroll" tabIndex={0}>
        <table>{children}</table>
      </div>
    ),
    a: ({ href, children }) => {
      if (href?.startsWith(CITE_PREFIX)) {
        const source = byIndex.get(Number(href.slice(CITE_PREFIX.length)));
        return source ? <CitationChip source={source} /> : null;
      }
      return (
        <a href={href} target="_blank" rel="noreferrer nofollow">
          {children}
        </a>
      );
    },
  };
  return (
    <div className="answer-text">
      <Markdown {...safeMarkdownOptions} components={components}>
        {linkCitations(text, sources)}
      </Markdown>
    </div>
  );
}
