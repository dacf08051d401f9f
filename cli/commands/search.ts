import type { CliOutput } from "@/cli/output";
import { operatorQueryEmbedder } from "@/src/server/rag/ingest/embedder";
import { retrieveForChat, type RetrievedSource } from "@/src/server/rag/retrieve";
import { openStore } from "@/src/server/rag/store";

/** The `--json` shape. Scripts depend on it: add fields, never rename or remove them. */
export interface SearchHit {
  path: string;
  heading: string;
  url: string | null;
  score: number;
  snippet: string;
}

export function toSearchHit(source: RetrievedSource): SearchHit {
  return { path: source.path, heading: source.heading, url: source.url, score: source.score, snippet: source.snippet };
}

/** `quire search "<question>" [--k 5] [--json]`: the ranked chunks, as chat would retrieve them. */
export async function runSearchCommand(
  args: { question: string; k?: string; json: boolean },
  output: CliOutput,
): Promise<number> {
  const k = args.k === undefined ? 5 : Number(args.k);
  if (!Number.isInteger(k) || k < 1 || k > 50) {
    output.error("quire search: --k must be a whole number from 1 to 50.");
    return 2;
  }
  if (args.question.trim() === "") {
    output.error('quire search: give a question, e.g. quire search "How do I ingest my docs?"');
    return 2;
  }
  const store = await openStore({ purpose: "cli", readOnly: true });
  try {
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
    if (result.sources.length === 0) output.log("No matching chunks.");
    for (const source of result.sources) {
      output.log(`${source.index}. ${source.heading || source.title}  (score ${source.score.toFixed(4)})`);
      output.log(`   ${source.path}${source.url ? `  ${source.url}` : ""}`);
      output.log(`   ${source.snippet}\n`);
    }
    output.error(`Mode: ${result.mode}${result.fallbackReason ? ` (${result.fallbackReason})` : ""}${result.weak ? "; weak match: the docs may not cover this" : ""}`);
    return 0;
  } finally {
    await store.close();
  }
}
