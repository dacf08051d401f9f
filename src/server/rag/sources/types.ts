import "server-only";

/**
 * A docs source (a folder, a git repository, a website) is ingested in two steps:
 * its materialiser brings the docs into a local folder of .md/.mdx/.txt files, then
 * the one folder ingest indexes that folder under the source's path prefix. Everything
 * a source knows about links and dates reaches the index through this value.
 */
export interface MaterialisedSource {
  /** Absolute path of a folder of docs files; their relative paths become document paths (after the prefix). */
  dir: string;
  /** What was synced, for `quire status`: a commit sha, a sitemap's newest lastmod, or null. */
  revision: string | null;
  /**
   * The link a citation of one section opens, or null for Quire's own source viewer.
   * `relativePath` is relative to `dir` with `/` separators; `anchor` is the section's
   * heading anchor (null before the first heading).
   */
  citationUrl(relativePath: string, anchor: string | null): string | null;
  /**
   * Goes into every document checksum of the source: when the link scheme changes
   * (a new base URL) documents are re-chunked so their links follow. It must not change
   * on every sync (no commit sha): an unchanged file must cost nothing.
   */
  citationKey: string;
  /** When a file last changed, as an ISO date or date-time, if the source knows; frontmatter wins over it. */
  updatedAt?(relativePath: string): string | null;
  /** Non-fatal things the operator should hear about (a 404, a skipped PDF, a robots.txt disallow). */
  notices: SourceNotice[];
}

export interface SourceNotice {
  /** A URL or a path inside the source. Never a credential. */
  where: string;
  message: string;
}

/** Thrown by a materialiser when the source cannot be reached or read at all; the existing index is left as it was. */
export class SourceUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SourceUnavailableError";
  }
}

/** Reports how far a materialiser is (files fetched, pages crawled). `total` is null while unknown. */
export type MaterialiseProgress = (event: { stage: "fetch"; done: number; total: number | null; item?: string }) => void;
