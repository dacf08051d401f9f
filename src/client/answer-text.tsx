"use client";

import Markdown, { type Components } from "react-markdown";
import remarkGfm from "remark-gfm";
import type { ChatSource } from "@/src/shared/sources";

/** Where a source sits, without repeating a title that its heading path already starts with. */
export function sourceLabel(source: ChatSource): string {
  if (!source.heading) return source.title;
  return source.heading.startsWith(source.title) ? source.heading : `${source.title} › ${source.heading}`;
}

/** The `[n]` markers a text cites, in order of first appearance, limited to known sources. */
export function citedIndexes(text: string, sources: ChatSource[]): number[] {
  const known = new Set(sources.map((source) => source.index));
  const cited: number[] = [];
  for (const match of text.matchAll(/\[(\d{1,3})\]/g)) {
    const index = Number(match[1]);
    if (known.has(index) && !cited.includes(index)) cited.push(index);
  }
  return cited;
}

function CitationChip({ source }: { source: ChatSource }) {
  return (
    <a
      className="citation"
      href={source.href}
      target="_blank"
      rel="noreferrer"
      title={sourceLabel(source)}
      aria-label={`Source ${source.index}: ${source.title}`}
    >
      {source.index}
    </a>
  );
}

const CITE_PREFIX = "#quire-cite-";

/**
 * Turns `[n]` into a Markdown link the renderer shows as a chip; a marker that
 * points at no source is dropped, with the space before it ("docs [9]." → "docs.").
 * Fenced code is left exactly as written.
 */
export function linkCitations(text: string, sources: ChatSource[]): string {
  const known = new Set(sources.map((source) => source.index));
  return text
    .split(/(```[\s\S]*?(?:```|$))/g)
    .map((segment) =>
      segment.startsWith("```")
        ? segment
        : segment.replace(/(\s*)\[(\d{1,3})\](?!\()/g, (_match, space: string, number: string) =>
            known.has(Number(number)) ? `${space}[${number}](${CITE_PREFIX}${number})` : "",
          ),
    )
    .join("");
}

/** Renders an answer as Markdown (GFM), with citation chips; images and raw HTML are not rendered. */
export function AnswerText({ text, sources }: { text: string; sources: ChatSource[] }) {
  const byIndex = new Map(sources.map((source) => [source.index, source]));
  const components: Components = {
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
      <Markdown remarkPlugins={[remarkGfm]} components={components} disallowedElements={["img"]} unwrapDisallowed>
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
      <a href={source.href} target="_blank" rel="noreferrer">
        [{source.index}] {sourceLabel(source)}
      </a>
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
