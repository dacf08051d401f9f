import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { runEvalCommand } from "@/cli/commands/eval";
import { runIngestCommand } from "@/cli/commands/ingest";
import { runSearchCommand } from "@/cli/commands/search";
import { runStatusCommand } from "@/cli/commands/status";
import type { CliOutput } from "@/cli/output";

const usage = `Usage: quire <command> [options]

Commands:
  ingest                        Sync the configured sources: those in quire.sources.yaml
                                (QUIRE_SOURCES_FILE), else QUIRE_DOCS_DIR (./docs) and the
                                sources added below
  ingest <dir>                  Index one docs folder
  ingest --git <url|path> [--ref <branch|tag|sha>] [--path <subdir>] [--token-env <VAR>] [--name <n>]
                                Add (or re-sync) a git repository as a source; a private
                                one's HTTPS token is read from $VAR (default QUIRE_GIT_TOKEN)
  ingest --sitemap <url> | --site <start-url> [--max-pages N] [--name <n>]
                                Add (or re-sync) a website, from its sitemap or by crawling
  ingest --source <name>        Re-sync one source
  status [--json]               Documents, chunks, embedded share, model, last ingest
  search "<question>" [--k 5] [--json] [--explain]
                                Print the chunks that answer a question, best first;
                                --explain adds ranks, scores and the matched terms
  eval <file> [--json] [--min-hit5 0.8] [--min-mrr 0.6] [--split dev|test] [--fulltext]
                                Score retrieval on your gold questions (JSON or YAML,
                                see docs/evaluating.md); exits 1 below a --min bar

Configuration comes from the environment (and ./.env). See docs/configuration.md.
Exit codes: 0 success, 1 failure (including "the data dir is owned by a running server",
and an eval below its bar), 2 usage error.`;

/** Loads ./.env.local and ./.env like Next.js does, without overriding what is already set. */
function loadDotEnv(): void {
  for (const file of [".env.local", ".env"]) {
    if (existsSync(file)) process.loadEnvFile(file);
  }
}

/** Runs one CLI command and returns the process exit code. */
export async function main(argv: string[], output: CliOutput = processOutput()): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        k: { type: "string" },
        json: { type: "boolean", default: false },
        explain: { type: "boolean", default: false },
        "min-hit5": { type: "string" },
        "min-mrr": { type: "string" },
        split: { type: "string" },
        fulltext: { type: "boolean", default: false },
        git: { type: "string" },
        ref: { type: "string" },
        path: { type: "string" },
        "token-env": { type: "string" },
        sitemap: { type: "string" },
        site: { type: "string" },
        "max-pages": { type: "string" },
        name: { type: "string" },
        source: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    output.error(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || command === undefined || command === "help") {
    output.log(usage);
    return command === undefined && !parsed.values.help ? 2 : 0;
  }
  loadDotEnv();
  try {
    switch (command) {
      case "ingest":
        if (rest.length > 1) return oneAtATime("ingest", "folder", rest.length, output);
        return await runIngestCommand(
          {
            dir: rest[0],
            git: parsed.values.git,
            ref: parsed.values.ref,
            path: parsed.values.path,
            tokenEnv: parsed.values["token-env"],
            sitemap: parsed.values.sitemap,
            site: parsed.values.site,
            maxPages: parsed.values["max-pages"],
            name: parsed.values.name,
            source: parsed.values.source,
          },
          output,
        );
      case "status":
        return await runStatusCommand({ json: parsed.values.json }, output);
      case "search":
        return await runSearchCommand(
          { question: rest.join(" "), k: parsed.values.k, json: parsed.values.json, explain: parsed.values.explain },
          output,
        );
      case "eval":
        if (rest.length > 1) return oneAtATime("eval", "file", rest.length, output);
        return await runEvalCommand(
          {
            file: rest[0],
            json: parsed.values.json,
            minHit5: parsed.values["min-hit5"],
            minMrr: parsed.values["min-mrr"],
            split: parsed.values.split,
            fulltext: parsed.values.fulltext,
          },
          output,
        );
      default:
        output.error(`Unknown command "${command}".\n\n${usage}`);
        return 2;
    }
  } catch (error) {
    output.error(`quire ${command}: ${(error as Error).message}`);
    return 1;
  }
}

/** A usage error: the command takes one positional argument. */
function oneAtATime(command: string, what: string, got: number, output: CliOutput): number {
  output.error(`quire ${command}: one ${what} at a time (got ${got})`);
  return 2;
}

function processOutput(): CliOutput {
  return {
    log: (line) => process.stdout.write(`${line}\n`),
    error: (line) => process.stderr.write(`${line}\n`),
    write: (text) => process.stderr.write(text),
    isTTY: process.stderr.isTTY === true,
  };
}
