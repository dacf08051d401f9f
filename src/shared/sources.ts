import { z } from "zod";

/**
 * A numbered source of an answer, as streamed to the client (in a `source-url`
 * part's `providerMetadata.quire`) and persisted with the conversation.
 */
export const chatSourceSchema = z.object({
  id: z.string(),
  /** The 1-based number the model cites as `[n]`. */
  index: z.number().int().positive(),
  title: z.string(),
  heading: z.string(),
  /** The documentation URL with its anchor, when one is known. */
  url: z.string().nullable(),
  /** Where a citation chip leads: the URL, or Quire's own viewer of the chunk. */
  href: z.string(),
  /** The file, relative to the docs folder. */
  path: z.string(),
  snippet: z.string(),
});
export type ChatSource = z.infer<typeof chatSourceSchema>;

/** Reads the source carried by a `source-url` part, if it is one of ours. */
export function sourceFromPart(part: { type: string; providerMetadata?: unknown }): ChatSource | null {
  if (part.type !== "source-url") return null;
  const metadata = part.providerMetadata as { quire?: unknown } | undefined;
  const parsed = chatSourceSchema.safeParse(metadata?.quire);
  return parsed.success ? parsed.data : null;
}
