import type { Options } from "react-markdown";
import remarkGfm from "remark-gfm";
import { markdownUrlTransform } from "@/src/shared/safe-url";

/**
 * How Quire renders Markdown it did not write (model answers, documentation excerpts):
 * GFM, no raw HTML (react-markdown's default), and no images, which would load from
 * anywhere the text points (tracking pixels, leaks through the URL), and links only to
 * http(s), our own paths and in-page anchors (no javascript:, data:…). Every renderer
 * spreads these settings; none restates them.
 */
export const safeMarkdownOptions = {
  remarkPlugins: [remarkGfm],
  disallowedElements: ["img"],
  unwrapDisallowed: true,
  urlTransform: markdownUrlTransform,
} as const satisfies Partial<Options>;
