/** Where the CLI writes: results to stdout, progress and errors to stderr (the commands' sink, see src/server/commands/output.ts). */
export { formatDuration, formatRows, type CommandOutput as CliOutput } from "@/src/server/commands/output";
