import "server-only";
import type { CommandOutput } from "@/src/server/commands/output";
import type { IngestProgress } from "@/src/server/rag/ingest/progress";

const BAR_WIDTH = 24;

function bar(done: number, total: number): string {
  const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH);
  return `[${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)}]`;
}

/**
 * Ingest progress: one redrawn line on a TTY (files, chunks, embedding
 * batches); on a pipe or in CI, plain lines at each tenth and each batch.
 */
export function createProgressReporter(output: CommandOutput): { onProgress: (event: IngestProgress) => void; finish(): void } {
  let chunks = 0;
  let files = { done: 0, total: 0 };
  let lastTenth = -1;
  let drawn = false;
  const draw = (text: string): void => {
    output.write(`\r\u001b[2K${text}`);
    drawn = true;
  };
  const line = (text: string): void => {
    if (drawn) output.write("\n");
    drawn = false;
    output.error(text);
  };
  const onProgress = (event: IngestProgress): void => {
    switch (event.stage) {
      case "scan":
        files = { done: 0, total: event.files };
        line(`Scanning: ${event.files} files`);
        return;
      case "file": {
        files = { done: event.done, total: event.total };
        chunks += event.chunks;
        const tenth = Math.floor((event.done / Math.max(1, event.total)) * 10);
        if (output.isTTY) draw(`Files ${bar(event.done, event.total)} ${event.done}/${event.total}  chunks written ${chunks}`);
        else if (tenth !== lastTenth) line(`Files ${event.done}/${event.total}, chunks written ${chunks}`);
        lastTenth = tenth;
        return;
      }
      case "embed-start":
        line(`Files ${files.done}/${files.total}, chunks written ${chunks}. Embedding ${event.pending} chunks in ${event.batches} batches`);
        return;
      case "embed":
        if (output.isTTY) draw(`Embedding ${bar(event.batch, event.batches)} batch ${event.batch}/${event.batches}  ${event.embedded} chunks`);
        else line(`Embedding batch ${event.batch}/${event.batches} (${event.embedded} chunks)`);
        return;
      case "embed-retry":
        line(`Embedding: ${event.message}; retry ${event.attempt} in ${Math.round(event.delayMs / 100) / 10} s`);
        return;
      case "notice":
        line(event.message);
        return;
    }
  };
  return { onProgress, finish: () => (drawn ? output.write("\n") : undefined) };
}
