import "server-only";

/**
 * Merging of answer deltas that reach the server together. Every event of an
 * answer costs the same work behind the guard: the AI SDK parses and validates
 * it, passes it through its streams, re-encodes it as a UI message part and then
 * as SSE. Under load the server falls behind the provider and several tokens wait
 * in the socket at once; merging them into one event makes that work once per
 * batch instead of once per token, so a busy server catches up instead of falling
 * further behind. Nothing waits to be merged: an idle server passes each token on
 * as it comes.
 */

/** The delta fields that are merged: answer text and reasoning text. */
const DELTA_KEYS = ["content", "reasoning_content", "reasoning"] as const;
type DeltaKey = (typeof DELTA_KEYS)[number];
/** Top-level fields of an OpenAI-style chunk that a merge may meet. */
const ENVELOPE_KEYS = new Set(["id", "object", "created", "model", "system_fingerprint", "provider", "choices", "usage"]);
const CHOICE_KEYS = new Set(["index", "delta", "finish_reason", "logprobs", "native_finish_reason"]);

interface PlainDelta {
  chunk: Record<string, unknown>;
  key: DeltaKey;
  text: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The chunk of a `data:` line when it carries nothing but one delta's text (the
 * bulk of an answer): one choice, no finish reason, no tool call, no role. Any
 * other event is left as it is.
 */
function plainDelta(line: string): PlainDelta | undefined {
  const data = line.slice(5).trim();
  if (!data.startsWith("{")) return undefined;
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!isRecord(chunk) || Object.keys(chunk).some((key) => !ENVELOPE_KEYS.has(key))) return undefined;
  const { choices } = chunk;
  if (!Array.isArray(choices) || choices.length !== 1) return undefined;
  const choice: unknown = choices[0];
  if (!isRecord(choice) || Object.keys(choice).some((key) => !CHOICE_KEYS.has(key))) return undefined;
  if ((choice.index ?? 0) !== 0 || choice.finish_reason != null || choice.native_finish_reason != null || choice.logprobs != null) return undefined;
  const { delta } = choice;
  if (!isRecord(delta)) return undefined;
  const keys = Object.keys(delta);
  const key = DELTA_KEYS.find((candidate) => candidate === keys[0]);
  const text = key === undefined ? undefined : delta[key];
  if (keys.length !== 1 || key === undefined || typeof text !== "string") return undefined;
  return { chunk, key, text };
}

/** True when `later` may be folded into `earlier`: the same delta field and the same envelope (usage and time aside). */
function mergeable(earlier: PlainDelta, later: PlainDelta): boolean {
  if (earlier.key !== later.key) return false;
  const keys = new Set([...Object.keys(earlier.chunk), ...Object.keys(later.chunk)]);
  for (const key of keys) {
    if (key === "choices" || key === "usage" || key === "created") continue;
    const left = earlier.chunk[key];
    if (left !== later.chunk[key] || (typeof left === "object" && left !== null)) return false;
  }
  return true;
}

/** A run of mergeable events: the first one, and the texts and last usage of all of it. */
interface Run {
  index: number;
  first: PlainDelta;
  texts: string[];
  usage: unknown;
  separated: boolean;
}

/** The run as one `data:` line: the first event's envelope with the whole text, and the last usage seen (the SDK keeps the last). */
function runLine(run: Run): string {
  const [choice] = run.first.chunk.choices as Record<string, unknown>[];
  const chunk: Record<string, unknown> = { ...run.first.chunk, choices: [{ ...choice, delta: { [run.first.key]: run.texts.join("") } }] };
  if (run.usage != null) chunk.usage = run.usage;
  return `data: ${JSON.stringify(chunk)}`;
}

/**
 * The complete SSE lines of one batch with consecutive plain-delta events merged
 * into one. Only whole events separated by a blank line are merged; a batch with
 * fewer than two `data:` lines is returned as it is, unparsed.
 */
export function coalesceDeltaEvents(lines: readonly string[]): readonly string[] {
  let dataLines = 0;
  for (const line of lines) if (line.startsWith("data:") && ++dataLines > 1) break;
  if (dataLines < 2) return lines;
  const out: string[] = [];
  // The last data line written, while only blank lines have followed it. Its line is rewritten
  // once, when the run ends, however many events it took in.
  let open: Run | undefined;
  const close = () => {
    if (open !== undefined && open.texts.length > 1) out[open.index] = runLine(open);
    open = undefined;
  };
  for (const line of lines) {
    if (line.trim() === "") {
      out.push(line);
      if (open) open.separated = true;
      continue;
    }
    const delta = line.startsWith("data:") ? plainDelta(line) : undefined;
    if (delta !== undefined && open?.separated && mergeable(open.first, delta)) {
      // The blank lines after the run's last event go: the merged event ends where the next one did.
      out.length = open.index + 1;
      open.texts.push(delta.text);
      if (delta.chunk.usage != null) open.usage = delta.chunk.usage;
      open.separated = false;
      continue;
    }
    close();
    out.push(line);
    if (delta !== undefined) open = { index: out.length - 1, first: delta, texts: [delta.text], usage: delta.chunk.usage, separated: false };
  }
  close();
  return out;
}
