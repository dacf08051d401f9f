"use client";

import { lazy, Suspense } from "react";
import { citedIndexes } from "@/src/client/citations";
import { safeHref } from "@/src/shared/safe-url";
import { locationLabel, type ChatSource } from "@/src/shared/sources";

/** Where a source sits, without repeating a title that its heading path already starts with. */
export function sourceLabel(source: ChatSource): string {
  return locationLabel(source, " › ");
}

/**
 * The Markdown renderer (react-markdown, GFM, the code blocks) is its own chunk, so the
 * chat's first load carries none of it. The chat starts fetching it when it mounts
 * (`preloadAnswerMarkdown`), well before the first answer streams in.
 */
type MarkdownModule = typeof import("@/src/client/answer-markdown-view");
let loading: Promise<MarkdownModule> | undefined;
export function preloadAnswerMarkdown(): Promise<MarkdownModule> {
  loading ??= import("@/src/client/answer-markdown-view").catch((error: unknown) => {
    loading = undefined; // fetched again next time (the network may be back)
    throw error;
  });
  return loading;
}

function PlainAnswer({ text }: { text: string; sources: ChatSource[] }) {
  return <div className="answer-text answer-plain">{text}</div>;
}

/** The renderer, or the plain text for good when its chunk can't be fetched (offline). */
const AnswerMarkdown = lazy(() => preloadAnswerMarkdown().catch(() => ({ default: PlainAnswer })));

/**
 * Renders an answer as Markdown (GFM: tables, lists, fenced code with highlighting and a
 * Copy button), with citation chips wherever a marker sits; images and raw HTML are not
 * rendered. Until the renderer's chunk has arrived, the text shows as it came.
 */
export function AnswerText({ text, sources }: { text: string; sources: ChatSource[] }) {
  return (
    <Suspense fallback={<PlainAnswer text={text} sources={sources} />}>
      <AnswerMarkdown text={text} sources={sources} />
    </Suspense>
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
