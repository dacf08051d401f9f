import { z } from "zod";

/** A chunk id as the store writes it: a bigint, in decimal. */
export const CHUNK_ID_PATTERN = /^\d{1,18}$/;
export const isChunkId = (value: string): boolean => CHUNK_ID_PATTERN.test(value);

/** Why a source was retrieved: its place in each list, the fused score, and the question terms it matched. */
export const sourceExplanationSchema = z.object({
  fusedScore: z.number(),
  /** 1-based rank and BM25F score in the full-text list, when it was there. */
  textRank: z.number().int().positive().optional(),
  textScore: z.number().optional(),
  /** 1-based rank and cosine similarity in the vector list, when it was there. */
  vectorRank: z.number().int().positive().optional(),
  vectorSimilarity: z.number().optional(),
  matchedTerms: z.array(
    z.object({
      term: z.string(),
      /** The word as the question wrote it. */
      surface: z.string(),
      /** Set when the question's word was a typo corrected to `term`. */
      correctedFrom: z.string().optional(),
    }),
  ),
});
export type SourceExplanation = z.infer<typeof sourceExplanationSchema>;

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
  /** Retrieval details, for an inspector; absent on sources saved before it existed. */
  explain: sourceExplanationSchema.optional(),
});
export type ChatSource = z.infer<typeof chatSourceSchema>;

/** Reads the source carried by a `source-url` part, if it is one of ours. */
export function sourceFromPart(part: { type: string; providerMetadata?: unknown }): ChatSource | null {
  if (part.type !== "source-url") return null;
  const metadata = part.providerMetadata as { quire?: unknown } | undefined;
  const parsed = chatSourceSchema.safeParse(metadata?.quire);
  return parsed.success ? parsed.data : null;
}

/**
 * Where a chunk sits, e.g. `Guide › Install › Linux`: the heading path, prefixed by the
 * page title unless the path already starts with it. The separator is the caller's
 * (the embedded text and the UI use different ones).
 */
export function locationLabel(place: { title: string; heading: string }, separator: string): string {
  if (place.heading === "") return place.title;
  return place.heading.startsWith(place.title) ? place.heading : `${place.title}${separator}${place.heading}`;
}
