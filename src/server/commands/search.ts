import "server-only";
import { z } from "zod";
import type { CommandContext } from "@/src/server/commands/context";
import { operatorQueryEmbedder } from "@/src/server/commands/operator";
import { retrieveForChat, type RetrievedSource } from "@/src/server/rag/retrieve/retrieve-for-chat";
import type { SourceExplanation } from "@/src/shared/sources";

/** The `--json` shape. Scripts depend on it: add fields, never rename or remove them. */
export interface SearchHit {
  path: string;
  heading: string;
  url: string | null;
  score: number;
  snippet: string;
  /** Why it was retrieved: full-text and vector ranks and scores, the fused score, the matched terms. */
  explain: SourceExplanation;
}

export function toSearchHit(source: RetrievedSource): SearchHit {
  return { path: source.path, heading: source.heading, url: source.url, score: source.score, snippet: source.snippet, explain: source.explain };
}

const rank = (value: number | undefined, score: number | undefined, digits: number) =>
  value === undefined ? "-" : `#${value} (${score?.toFixed(digits) ?? "?"})`;

/** One line per source for `--explain`: where each list put it and which question terms it contains. */
export function explainLine(explain: SourceExplanation): string {
  const terms = explain.matchedTerms.map((term) => (term.correctedFrom === undefined ? term.term : `${term.term}*`)).join(" ") || "(none)";
  return `full text ${rank(explain.textRank, explain.textScore, 3)}  vector ${rank(explain.vectorRank, explain.vectorSimilarity, 3)}  fused ${explain.fusedScore.toFixed(4)}  terms: ${terms}`;
}

export const searchArgsSchema = z
  .object({ question: z.string().max(10_000), k: z.string().max(20).optional(), json: z.boolean(), explain: z.boolean().optional() })
  .strict();
export type SearchArgs = z.infer<typeof searchArgsSchema>;

/** `quire search "<question>" [--k 5] [--json] [--explain]`: the ranked chunks, as chat would retrieve them. */
export async function searchCommand(args: SearchArgs, { stores, output }: CommandContext): Promise<number> {
  const k = args.k === undefined ? 5 : Number(args.k);
  if (!Number.isInteger(k) || k < 1 || k > 50) {
    output.error("quire search: --k must be a whole number from 1 to 50.");
    return 2;
  }
  if (args.question.trim() === "") {
    output.error('quire search: give a question, e.g. quire search "How do I ingest my docs?"');
    return 2;
  }
  return stores.use({ purpose: "cli", readOnly: true }, async (store) => {
    const result = await retrieveForChat({
      store,
      messages: [{ role: "user", text: args.question }],
      embedQuery: operatorQueryEmbedder(),
      k,
    });
    if (args.json) {
      output.log(JSON.stringify(result.sources.map(toSearchHit), null, 2));
      return 0;
    }
    if (args.explain) {
      const corrected = result.terms.filter((term) => term.correctedFrom !== undefined);
      output.log(`Searched terms: ${result.terms.map((term) => `${term.term} (df ${term.df})`).join(", ") || "(none)"}`);
      if (corrected.length > 0) output.log(`Corrected (*): ${corrected.map((term) => `${term.correctedFrom} → ${term.term}`).join(", ")}`);
      output.log(`Evidence: coverage ${result.verdict.bestCoverage.toFixed(2)}, unknown to the docs ${result.verdict.unknownShare.toFixed(2)}${result.verdict.bestSimilarity === null ? "" : `, best similarity ${result.verdict.bestSimilarity.toFixed(2)}`}\n`);
    }
    if (result.sources.length === 0) output.log("No matching chunks.");
    for (const source of result.sources) {
      output.log(`${source.index}. ${source.heading || source.title}  (score ${source.score.toFixed(4)})`);
      output.log(`   ${source.path}${source.url ? `  ${source.url}` : ""}`);
      if (args.explain) output.log(`   ${explainLine(source.explain)}`);
      output.log(`   ${source.snippet}\n`);
    }
    output.error(`Mode: ${result.mode}${result.fallbackReason ? ` (${result.fallbackReason})` : ""}${result.weak ? "; weak match: the docs may not cover this" : ""}`);
    return 0;
  });
}
