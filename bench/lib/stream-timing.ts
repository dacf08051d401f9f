export interface StreamTiming {
  ok: boolean;
  /** ms from `started` to the first chunk matching the first-token pattern; NaN if none did. */
  firstToken: number;
  /** ms from `started` to the end of the stream. */
  total: number;
  detail?: string;
  /** The response's Server-Timing durations by name (ms), when it had the header. */
  serverTiming?: Record<string, number>;
}

/** `name;dur=1.5;desc="…", …` → { name: 1.5 }; entries without a duration are left out. */
export function parseServerTiming(header: string | null): Record<string, number> {
  const timing: Record<string, number> = {};
  for (const entry of (header ?? "").split(",")) {
    const [name, ...params] = entry.trim().split(";");
    const duration = params.map((param) => param.trim()).find((param) => param.startsWith("dur="));
    if (name && duration !== undefined && Number.isFinite(Number(duration.slice(4)))) timing[name] = Number(duration.slice(4));
  }
  return timing;
}

/**
 * Reads a streamed response to its end, noting when `firstToken` first matches and
 * whether `complete` (the stream's own end marker) was seen. A chunk boundary may
 * split a marker, so each chunk is searched together with the tail of the last one.
 * `expected` (e.g. Quire's source parts) must appear somewhere, or the stream counts as
 * failed: an answer without its sources means retrieval broke, however fast it came.
 */
export async function readStream(response: Response, started: number, firstToken: RegExp, complete: string, expected?: string): Promise<StreamTiming> {
  if (!response.ok || response.body === null) {
    return { ok: false, firstToken: Number.NaN, total: performance.now() - started, detail: `${response.status} ${(await response.text()).slice(0, 200)}` };
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let first = Number.NaN;
  let tail = "";
  let completed = false;
  let found = expected === undefined;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const text = tail + decoder.decode(value, { stream: true });
    if (Number.isNaN(first) && firstToken.test(text)) first = performance.now() - started;
    if (text.includes(complete)) completed = true;
    if (!found && text.includes(expected ?? "")) found = true;
    if (text.includes('"type":"error"')) return { ok: false, firstToken: first, total: performance.now() - started, detail: text.slice(0, 300) };
    tail = text.slice(-64);
  }
  const detail = !completed ? "no end of stream" : !found ? `no ${expected} in the stream` : undefined;
  return { ok: completed && found && !Number.isNaN(first), firstToken: first, total: performance.now() - started, detail };
}
