"use client";

import { Fragment, type ReactNode } from "react";
import type { ChatSource } from "@/src/shared/sources";

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
      title={`${source.title}${source.heading ? ` › ${source.heading}` : ""}`}
      aria-label={`Source ${source.index}: ${source.title}`}
    >
      {source.index}
    </a>
  );
}

/** Plain text with `[n]` turned into chips; markers that point at no source are dropped. */
function textWithCitations(text: string, sources: ChatSource[], keyPrefix: string): ReactNode[] {
  const byIndex = new Map(sources.map((source) => [source.index, source]));
  const nodes: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(/\[(\d{1,3})\]/g)) {
    const start = match.index ?? 0;
    const end = start + match[0].length;
    const source = byIndex.get(Number(match[1]));
    // A dropped marker takes the space before it along, so "docs [9]." reads "docs.".
    const before = text.slice(last, start);
    nodes.push(source || !/^[\s.,;:!?)]/.test(text.slice(end) || " ") ? before : before.replace(/\s+$/, ""));
    if (source) nodes.push(<CitationChip key={`${keyPrefix}-${start}`} source={source} />);
    last = end;
  }
  nodes.push(text.slice(last));
  return nodes;
}

/** Renders an answer: fenced code blocks kept whole, other text with citation chips. */
export function AnswerText({ text, sources }: { text: string; sources: ChatSource[] }) {
  const segments = text.split(/(```[\s\S]*?(?:```|$))/g);
  return (
    <div className="answer-text">
      {segments.map((segment, index) => {
        if (segment.startsWith("```")) {
          const body = segment.replace(/^```[^\n]*\n?/, "").replace(/```$/, "");
          return (
            <pre key={index}>
              <code>{body}</code>
            </pre>
          );
        }
        return <Fragment key={index}>{textWithCitations(segment, sources, String(index))}</Fragment>;
      })}
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
        [{source.index}] {source.title}
        {source.heading ? ` › ${source.heading}` : ""}
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
