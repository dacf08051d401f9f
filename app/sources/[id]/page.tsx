import type { Metadata } from "next";
import Link from "next/link";
import Markdown, { type Components } from "react-markdown";
import { findSourceChunk } from "@/src/server/rag/source-viewer";
import { safeMarkdownOptions } from "@/src/shared/safe-markdown";
import { updatedAgo } from "@/src/shared/updated-ago";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Source" };

interface SourcePageProps {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ path?: string | string[] }>;
}

/** The excerpt's own headings sit below the page's title. */
const shiftedHeadings: Components = { h1: "h2", h2: "h3", h3: "h4", h4: "h5", h5: "h6" };

/** The viewer a citation opens when the docs have no public URL: the cited chunk, where it sits, and its file. */
export default async function SourcePage({ params, searchParams }: SourcePageProps) {
  const { id } = await params;
  const { path } = await searchParams;
  const chunk = await findSourceChunk(id);
  if (!chunk) {
    const file = typeof path === "string" ? path : null;
    return (
      <main className="page">
        <h1>Source not found</h1>
        <p className="muted">
          {file
            ? `The documentation changed since this answer was written, so this excerpt of ${file} is no longer in the index.`
            : "This source is no longer in the index; the documentation may have been re-ingested since."}{" "}
          Ask again to get fresh sources.
        </p>
        <Link href="/">Back to the chat</Link>
      </main>
    );
  }
  const updated = updatedAgo(chunk.updatedAt);
  return (
    <main className="page source-view">
      <p className="muted">
        <Link href="/">Quire</Link> › {chunk.path}
        {updated && chunk.updatedAt && (
          <>
            {" · "}
            <time className="source-updated" dateTime={chunk.updatedAt}>
              {updated.charAt(0).toUpperCase() + updated.slice(1)}
            </time>
          </>
        )}
      </p>
      <h1>{chunk.title}</h1>
      {chunk.heading && chunk.heading !== chunk.title && <h2 className="muted">{chunk.heading}</h2>}
      <article className="answer-text card">
        <Markdown {...safeMarkdownOptions} components={shiftedHeadings}>
          {chunk.text}
        </Markdown>
      </article>
    </main>
  );
}
