"use client";

import type { Element, ElementContent } from "hast";
import Markdown, { type Components } from "react-markdown";
import { citedIndexes, CITE_PREFIX, linkCitations } from "@/src/client/citations";
import { CodeBlock, languageOf } from "@/src/client/code-block";
import { safeMarkdownOptions } from "@/src/shared/safe-markdown";
import { safeHref } from "@/src/shared/safe-url";
import { locationLabel, type ChatSource } from "@/src/shared/sources";

/** Where a source sits, without repeating a title that its heading path already starts with. */
export function sourceLabel(source: ChatSource): string {
  return locationLabel(source, " › ");
}

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
export function AnswerText({ text, sources }: { text: string; sources: ChatSource[] }) {
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

/** The cited sources, in citation order, with the rest folded away. */
export function SourceList({ text, sources }: { text: string; sources: ChatSource[] }) {
  if (sources.length === 0) return null;
  const cited = citedIndexes(text, sources);
  const citedSources = cited.map((index) => sources.find((source) => source.index === index)).filter((source): source is ChatSource => Boolean(source));
  const others = sources.filter((source) => !cited.includes(source.index));
  const item = (source: ChatSource) => (
    <li key={source.id}>
      {safeHref(source.href) === null ? (
        <span>
          [{source.index}] {sourceLabel(source)}
        </span>
      ) : (
        <a href={safeHref(source.href) ?? undefined} target="_blank" rel="noreferrer">
          [{source.index}] {sourceLabel(source)}
        </a>
      )}
      <span className="muted"> {source.path}</span>
    </li>
  );
  return (
    <div className="sources" aria-label="Sources">
      {citedSources.length > 0 && <ol className="source-list">{citedSources.map(item)}</ol>}
      {others.length > 0 && (
        <details>
          <summary>
            {citedSources.length > 0 ? `${others.length} more retrieved` : `${others.length} sources retrieved`}
          </summary>
          <ol className="source-list">{others.map(item)}</ol>
        </details>
      )}
    </div>
  );
}
