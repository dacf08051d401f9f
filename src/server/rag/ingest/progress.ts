import "server-only";
/** What ingestion reports as it goes; the CLI draws a bar on a TTY and prints lines otherwise. */
export type IngestProgress =
  | { stage: "scan"; files: number }
  | { stage: "file"; done: number; total: number; path: string; chunks: number }
  | { stage: "embed-start"; pending: number; batches: number }
  | { stage: "embed"; batch: number; batches: number; embedded: number }
  | { stage: "embed-retry"; attempt: number; delayMs: number; message: string }
  | { stage: "notice"; message: string }
  /** A source being fetched (a git fetch, a website's pages); total is null while unknown. */
  | { stage: "fetch"; done: number; total: number | null; item?: string };

export type ProgressListener = (event: IngestProgress) => void;
