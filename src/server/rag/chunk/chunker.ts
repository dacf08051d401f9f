import "server-only";
import { splitBlocks, splitOversizedBlock, splitText, type Block } from "@/src/server/rag/chunk/blocks";
import { splitSections, type Section } from "@/src/server/rag/chunk/markdown-sections";
import { countTokens } from "@/src/server/rag/chunk/tokens";
import { sectionUrl } from "@/src/server/rag/chunk/section-url";
import type { Chunk, SourceDocument } from "@/src/server/rag/types";

/**
 * Heading-aware chunking (issue "Ingestion" §2). Rules, in order:
 * - a chunk is either whole consecutive sections, or part of one section
 *   (possibly led by whole short sections before it): it never holds the end of
 *   one section and the start of another;
 * - short neighbouring sections are merged up to `targetTokens`;
 * - a section over the target is cut between blocks (paragraphs, lists, tables,
 *   whole code fences), consecutive pieces sharing about `overlapTokens`;
 * - a block over the target is cut between lines, then sentences, words and
 *   code points; a code fence is cut between lines and each piece re-wrapped;
 * - no chunk is a bare heading: headings go with the text after them, and empty
 *   headings at the very end of a page are dropped.
 */
export interface ChunkingOptions {
  targetTokens: number;
  overlapTokens: number;
  /** QUIRE_DOCS_BASE_URL: section links are `<base>/<path>#<anchor>` when frontmatter has no URL. */
  baseUrl?: string;
  /** A source's own links (a forge, a website's pages), used instead of baseUrl; the path is relative to the source. */
  link?: (documentPath: string, anchor: string | null) => string | null;
}

export const DEFAULT_CHUNKING = { targetTokens: 400, overlapTokens: 60 } as const;

interface OwnedBlock extends Block {
  section: Section;
  /** Repeated from the previous piece for context; not the piece's own content. */
  overlap: boolean;
}

interface SectionUnit {
  section: Section;
  blocks: OwnedBlock[];
  tokens: number;
}

const JOIN_TOKENS = 1;
/** Exact size of blocks joined as a chunk: adding per-block counts is off by a token now and then. */
const sumTokens = (blocks: readonly Block[]): number =>
  blocks.length === 1 ? blocks[0]!.tokens : countTokens(blocks.map((block) => block.text).join("\n\n"));

function toUnit(section: Section): SectionUnit {
  const blocks = splitBlocks(section.text).map((block) => ({ ...block, section, overlap: false }));
  return { section, blocks, tokens: sumTokens(blocks) };
}

/** Trailing context from a finished piece: whole paragraphs, or the last sentences of one; never code. */
function overlapFrom(piece: OwnedBlock[], overlapTokens: number): OwnedBlock[] {
  const taken: OwnedBlock[] = [];
  let total = 0;
  for (let index = piece.length - 1; index >= 0; index--) {
    const block = piece[index]!;
    if (block.fence) break;
    if (total + block.tokens + JOIN_TOKENS > overlapTokens) {
      if (taken.length === 0 && overlapTokens > 0) {
        const tail = splitText(block.text, overlapTokens).at(-1)!;
        if (tail !== block.text) taken.unshift({ ...block, text: tail, tokens: countTokens(tail), overlap: true });
      }
      break;
    }
    taken.unshift({ ...block, overlap: true });
    total += block.tokens + JOIN_TOKENS;
  }
  return taken;
}

const isHeadingOnly = (block: Block): boolean => !block.fence && /^ {0,3}#{1,6}[ \t][^\n]*$/.test(block.text);

/** Greedy packing of blocks into pieces of at most `limit` tokens, with overlap between pieces. */
function packBlocks(blocks: OwnedBlock[], limit: number, overlapTokens: number): OwnedBlock[][] {
  const pieces: OwnedBlock[][] = [];
  let current: OwnedBlock[] = [];
  for (const block of blocks) {
    if (current.length > 0 && sumTokens([...current, block]) > limit) {
      // Headings at the end of a piece belong with what follows them.
      let headings = 0;
      while (headings < current.length - 1 && isHeadingOnly(current[current.length - 1 - headings]!)) headings++;
      const carried = current.splice(current.length - headings, headings);
      pieces.push(current);
      current = [...overlapFrom(current, overlapTokens), ...carried];
      if (sumTokens([...current, block]) > limit) current = carried;
    }
    current.push(block);
  }
  if (current.length > 0) pieces.push(current);
  return pieces;
}

/**
 * Cuts a run of blocks into pieces of at most `targetTokens`. Greedy packing
 * leaves a small last piece, so the smallest limit that still gives the same
 * number of pieces is used: the pieces come out about equal.
 */
function splitIntoPieces(blocks: OwnedBlock[], options: ChunkingOptions): OwnedBlock[][] {
  const { targetTokens, overlapTokens } = options;
  const expanded: OwnedBlock[] = [];
  let lead: OwnedBlock[] = [];
  for (const block of blocks) {
    // A block that does not fit beside the headings leading it is cut smaller, so no heading stands alone.
    const room = lead.length === 0 ? targetTokens : Math.max(16, targetTokens - sumTokens(lead) - 2);
    const parts = block.tokens <= room ? [block] : splitOversizedBlock(block, room);
    expanded.push(...parts.map((part) => ({ ...part, section: block.section, overlap: false })));
    lead = isHeadingOnly(block) ? [...lead, block] : [];
  }
  const greedy = packBlocks(expanded, targetTokens, overlapTokens);
  if (greedy.length < 2) return greedy;
  const even = Math.ceil(sumTokens(expanded) / greedy.length) + overlapTokens;
  for (let limit = even; limit < targetTokens; limit += Math.max(8, Math.floor(targetTokens / 20))) {
    const balanced = packBlocks(expanded, limit, overlapTokens);
    if (balanced.length === greedy.length) return balanced;
  }
  return greedy;
}

interface Piece {
  blocks: OwnedBlock[];
  /** True for whole consecutive sections (a following short section may join); false for part of a long one. */
  wholeSections: boolean;
}

/** Groups sections into pieces following the rules above. */
function planPieces(units: SectionUnit[], options: ChunkingOptions): Piece[] {
  const minimum = Math.min(64, Math.floor(options.targetTokens / 4));
  const pieces: Piece[] = [];
  let group: SectionUnit[] = [];
  const groupBlocks = (): OwnedBlock[] => group.flatMap((unit) => unit.blocks);
  const closeGroup = (): void => {
    if (group.length > 0) pieces.push({ blocks: groupBlocks(), wholeSections: true });
    group = [];
  };
  for (const unit of units) {
    if (sumTokens([...groupBlocks(), ...unit.blocks]) <= options.targetTokens) {
      group.push(unit);
      continue;
    }
    // A short run of sections (a heading and a line) leads the next section instead of standing alone.
    const tiny = group.length > 0 && sumTokens(groupBlocks()) < minimum;
    if (!tiny) closeGroup();
    if (!tiny && unit.tokens <= options.targetTokens) {
      group = [unit];
      continue;
    }
    const split = splitIntoPieces([...groupBlocks(), ...unit.blocks], options);
    pieces.push(...split.map((blocks) => ({ blocks, wholeSections: false })));
    group = [];
  }
  const previous = pieces.at(-1);
  const tail = groupBlocks();
  // A short last section joins the piece before it when that piece ends at a section boundary
  // (or whatever the piece, when the section is only a heading, e.g. over a stripped MDX component).
  const joinable = previous?.wholeSections || tail.every(isHeadingOnly);
  if (tail.length > 0 && previous && joinable && sumTokens(tail) < minimum &&
      sumTokens([...previous.blocks, ...tail]) <= options.targetTokens) {
    previous.blocks.push(...tail);
    group = [];
  }
  closeGroup();
  return pieces;
}

/**
 * The section a chunk is filed under (its heading and link): the first one for
 * whole sections; for part of a long section, the one that owns most of the
 * piece's own text, so headings that only lead it in do not take the link.
 */
function owningSection(piece: Piece): Section {
  const own = piece.blocks.filter((block) => !block.overlap);
  if (piece.wholeSections || own.length === 0) return (own[0] ?? piece.blocks[0]!).section;
  const tokensBySection = new Map<Section, number>();
  for (const block of own) tokensBySection.set(block.section, (tokensBySection.get(block.section) ?? 0) + block.tokens);
  let best = own[0]!.section;
  for (const [section, tokens] of tokensBySection) if (tokens > (tokensBySection.get(best) ?? 0)) best = section;
  return best;
}

/** Chunks one loaded document. Pure: the same document and options give the same chunks. */
export function chunkDocument(document: SourceDocument, options: ChunkingOptions): Chunk[] {
  const units = splitSections(document.body)
    .map(toUnit)
    .filter((unit) => unit.blocks.length > 0);
  // Headings with nothing under them at the end of a page labelled a stripped component: nothing to retrieve.
  while (units.length > 1 && units.at(-1)!.blocks.every(isHeadingOnly)) units.pop();
  return planPieces(units, options).map((piece, ordinal) => {
    const owner = owningSection(piece);
    const text = piece.blocks.map((block) => block.text).join("\n\n");
    return {
      path: document.path,
      ordinal,
      title: document.title,
      heading: owner.headingPath.join(" > "),
      url: options.link ? (document.url ?? options.link(document.path, owner.anchor)) : sectionUrl(document, owner.anchor, options.baseUrl),
      text,
      tokenCount: countTokens(text),
    };
  });
}
