import "server-only";
import type { SourceDocument } from "@/src/server/rag/types";

/** `guide/install/index.mdx` → `guide/install`; `guide/linux.md` → `guide/linux`. */
export function pagePath(documentPath: string): string {
  const withoutExtension = documentPath.replace(/\.(md|mdx|txt)$/i, "");
  return withoutExtension === "index" ? "" : withoutExtension.replace(/\/index$/i, "");
}

/**
 * The link a citation opens: the page's own URL from frontmatter when it has one
 * (a video, a chat message: no anchors there), otherwise QUIRE_DOCS_BASE_URL plus
 * the page path and the section's anchor; null when neither is configured.
 */
export function sectionUrl(document: SourceDocument, anchor: string | null, baseUrl: string | undefined): string | null {
  if (document.url) return document.url;
  if (!baseUrl) return null;
  return baseUrlLink(baseUrl, document.path, anchor);
}

/** QUIRE_DOCS_BASE_URL (or a source's own base URL) plus the page path and the section's anchor. */
export function baseUrlLink(baseUrl: string, documentPath: string, anchor: string | null): string {
  const page = pagePath(documentPath)
    .split("/")
    .map((segment) => encodeURIComponent(segment))
    .join("/");
  const base = baseUrl.replace(/\/+$/, "");
  return `${base}/${page}${anchor ? `#${encodeURIComponent(anchor)}` : ""}`;
}
