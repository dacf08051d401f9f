import "server-only";
import type { CommandOutput } from "@/src/server/commands/output";
import type { IngestProgress } from "@/src/server/rag/ingest/progress";

const BAR_WIDTH = 24;

function bar(done: number, total: number): string {
  const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH);
  return `[${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)}]`;
}

/** "12.3 files/s, 40 s left": the rate since the stage began and the time left at that rate. */
export function rateText(done: number, total: number | null, elapsedMs: number, unit: string): string {
  if (done === 0 || elapsedMs < 250) return "";
  const perSecond = (done * 1000) / elapsedMs;
  const rate = `${perSecond >= 10 ? Math.round(perSecond) : perSecond.toFixed(1)} ${unit}/s`;
  if (total === null || done >= total) return `  ${rate}`;
  const leftSeconds = Math.ceil((total - done) / perSecond);
  const left = leftSeconds >= 90 ? `${Math.round(leftSeconds / 60)} min` : `${leftSeconds} s`;
  return `  ${rate}, ${left} left`;
}

/**
 * Ingest progress: one redrawn line on a TTY (files, chunks, embedding
 * batches); on a pipe or in CI, plain lines at each tenth and each batch.
 */
export function createProgressReporter(
  output: CommandOutput,
  now: () => number = () => performance.now(),
): { onProgress: (event: IngestProgress) => void; finish(): void } {
  let chunks = 0;
  let stageStarted = now();
  let fetchTenth = -1;
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
        stageStarted = now();
        line(`Scanning: ${event.files} files`);
        return;
      case "file": {
        files = { done: event.done, total: event.total };
        chunks += event.chunks;
        const tenth = Math.floor((event.done / Math.max(1, event.total)) * 10);
        const rate = rateText(event.done, event.total, now() - stageStarted, "files");
        if (output.isTTY) draw(`Files ${bar(event.done, event.total)} ${event.done}/${event.total}  chunks written ${chunks}${rate}`);
        else if (tenth !== lastTenth) line(`Files ${event.done}/${event.total}, chunks written ${chunks}`);
        lastTenth = tenth;
        return;
      }
      case "fetch": {
        if (event.done === 0) {
          stageStarted = now();
          fetchTenth = -1;
        }
        const shown = event.total === null ? `${event.done}` : `${event.done}/${event.total}`;
        const rate = rateText(event.done, event.total, now() - stageStarted, "pages");
        const tenth = event.total === null ? Math.floor(event.done / 50) : Math.floor((event.done / Math.max(1, event.total)) * 10);
        if (output.isTTY) draw(`Fetching ${event.total === null ? "" : `${bar(event.done, event.total)} `}${shown}${rate}`);
        else if (tenth !== fetchTenth) line(`Fetching ${shown}${rate}`);
        fetchTenth = tenth;
        return;
      }
      case "embed-start":
        stageStarted = now();
        line(`Files ${files.done}/${files.total}, chunks written ${chunks}. Embedding ${event.pending} chunks in ${event.batches} batches`);
        return;
      case "embed":
        if (output.isTTY) {
          const rate = rateText(event.batch, event.batches, now() - stageStarted, "batches");
          draw(`Embedding ${bar(event.batch, event.batches)} batch ${event.batch}/${event.batches}  ${event.embedded} chunks${rate}`);
        }
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
