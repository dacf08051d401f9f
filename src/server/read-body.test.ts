import { describe, expect, it } from "vitest";
import { AppError } from "@/src/server/errors";
import { readBodyText, requireJsonContentType } from "@/src/server/read-body";

const encoder = new TextEncoder();

/** A body source that counts how often the reader pulled it and whether it was cancelled. */
interface CountingSource {
  stream: ReadableStream<Uint8Array>;
  pulls: () => number;
  cancelReason: () => unknown;
}

/** Serves `chunks` one per pull, then (unless `endless`) ends; an endless source repeats the last chunk forever. */
function countingSource(chunks: Uint8Array[], options: { endless?: boolean } = {}): CountingSource {
  let pulls = 0;
  let cancelReason: unknown;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const chunk = chunks[pulls] ?? (options.endless ? chunks.at(-1) : undefined);
        pulls += 1;
        if (chunk === undefined) controller.close();
        else controller.enqueue(chunk);
      },
      cancel(reason) {
        cancelReason = reason;
      },
    },
    // One chunk at a time: the pull count is then exactly what the reader asked for.
    { highWaterMark: 0 },
  );
  return { stream, pulls: () => pulls, cancelReason: () => cancelReason };
}

// `duplex` is required by Node for a stream body but is not in the DOM lib's RequestInit.
type StreamingInit = RequestInit & { duplex: "half" };

function requestWith(body: ReadableStream<Uint8Array> | string | null, headers: Record<string, string> = {}): Request {
  const init: StreamingInit = { method: "POST", headers, body, duplex: "half" };
  return new Request("http://localhost/api/test", init);
}

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

/** Lets any pulls the stream would still make (if it had not been cancelled) happen. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
}

describe("readBodyText", () => {
  it("joins a chunked stream into its text", async () => {
    const source = countingSource(["{\"a\":", "[1,2,", "3]}"].map((part) => encoder.encode(part)));
    expect(await readBodyText(requestWith(source.stream), 1024)).toBe('{"a":[1,2,3]}');
    expect(source.cancelReason()).toBeUndefined();
  });

  it("reads a request without a body as the empty string", async () => {
    expect(await readBodyText(new Request("http://localhost/", { method: "POST" }), 10)).toBe("");
    expect(await readBodyText(requestWith(countingSource([]).stream), 10)).toBe("");
  });

  it("accepts exactly maxBytes, counted in bytes across chunks", async () => {
    const source = countingSource([encoder.encode("x".repeat(600)), encoder.encode("y".repeat(424))]);
    expect(await readBodyText(requestWith(source.stream), 1024)).toHaveLength(1024);
  });

  it("refuses maxBytes + 1 with 413 bad_request and the limit in the message", async () => {
    const source = countingSource([encoder.encode("x".repeat(600)), encoder.encode("y".repeat(425))]);
    const error = await rejection(readBodyText(requestWith(source.stream), 1024));
    expect(error.status).toBe(413);
    expect(error.code).toBe("bad_request");
    expect(error.message).toBe("The request body is larger than 1 KB.");
    expect(source.cancelReason()).toBe(error);
  });

  it("says the limit in KB the way the routes use it", async () => {
    const error = await rejection(readBodyText(requestWith("x".repeat(16 * 1024 + 1)), 16 * 1024));
    expect(error.message).toBe("The request body is larger than 16 KB.");
    const small = await rejection(readBodyText(requestWith("x".repeat(11)), 10));
    expect(small.message).toBe("The request body is larger than 10 bytes.");
  });

  it("counts multi-byte characters in bytes, not UTF-16 units", async () => {
    // "é" is 2 bytes, "€" 3, "😀" 4 (and 2 UTF-16 units): 9 bytes in all.
    const text = "é€😀";
    expect(await readBodyText(requestWith(text), 9)).toBe(text);
    expect((await rejection(readBodyText(requestWith(text), 8))).status).toBe(413);
  });

  it("decodes characters split across chunks, down to one byte per chunk", async () => {
    const text = "aé€😀z\u{10FFFF}";
    const oneBytePerChunk = [...encoder.encode(text)].map((byte) => bytes(byte));
    expect(await readBodyText(requestWith(countingSource(oneBytePerChunk).stream), 100)).toBe(text);
    const emoji = encoder.encode("😀");
    const split = [emoji.slice(0, 1), emoji.slice(1, 3), emoji.slice(3)];
    expect(await readBodyText(requestWith(countingSource(split).stream), 100)).toBe("😀");
  });

  it.each([
    ["a lone continuation byte", [bytes(0x61, 0x80)]],
    ["an overlong encoding of '/'", [bytes(0xc0, 0xaf)]],
    ["an encoded UTF-16 surrogate", [bytes(0xed, 0xa0, 0x80)]],
    ["a code point above U+10FFFF", [bytes(0xf4, 0x90, 0x80, 0x80)]],
    ["0xFF", [bytes(0xff)]],
    ["a sequence cut off at the end of the body", [encoder.encode("ok"), bytes(0xf0, 0x9f, 0x98)]],
    ["a sequence broken across chunks", [bytes(0xe2, 0x82), bytes(0x41)]],
  ])("refuses invalid UTF-8 (%s) with a 400", async (_name, chunks) => {
    const error = await rejection(readBodyText(requestWith(countingSource(chunks).stream), 100));
    expect(error.status).toBe(400);
    expect(error.code).toBe("bad_request");
    expect(error.message).toBe("The request body is not valid UTF-8 text.");
  });

  it("drops a leading byte order mark, as request.text() does", async () => {
    expect(await readBodyText(requestWith(countingSource([bytes(0xef, 0xbb, 0xbf), encoder.encode("{}")]).stream), 10)).toBe("{}");
  });

  it("stops pulling the source the moment the count passes the limit", async () => {
    const source = countingSource([new Uint8Array(1024)], { endless: true });
    const error = await rejection(readBodyText(requestWith(source.stream), 10 * 1024));
    expect(error.status).toBe(413);
    const pullsAtRejection = source.pulls();
    // 10 chunks fit; the 11th passes the limit. Nothing is read ahead of the reader.
    expect(pullsAtRejection).toBe(11);
    await settle();
    expect(source.pulls()).toBe(pullsAtRejection);
    expect(source.cancelReason()).toBe(error);
  });

  it("stops pulling at the first invalid byte, without reading the rest", async () => {
    const source = countingSource([encoder.encode("{\"a\":\""), bytes(0xff), encoder.encode("x".repeat(100))], { endless: true });
    const error = await rejection(readBodyText(requestWith(source.stream), 1024 * 1024));
    expect(error.status).toBe(400);
    await settle();
    expect(source.pulls()).toBe(2);
    expect(source.cancelReason()).toBe(error);
  });

  it("refuses a declared Content-Length over the limit before reading anything", async () => {
    const source = countingSource([encoder.encode("{}")], { endless: true });
    const error = await rejection(readBodyText(requestWith(source.stream, { "content-length": "2049" }), 2048));
    expect(error.status).toBe(413);
    expect(error.message).toBe("The request body is larger than 2 KB.");
    await settle();
    expect(source.pulls()).toBe(0);
    expect(source.cancelReason()).toBe("body too large");
  });

  it("counts the bytes anyway when Content-Length understates them", async () => {
    const source = countingSource([new Uint8Array(1024)], { endless: true });
    const error = await rejection(readBodyText(requestWith(source.stream, { "content-length": "10" }), 4096));
    expect(error.status).toBe(413);
    await settle();
    expect(source.pulls()).toBe(5);
  });

  it("ignores a Content-Length that is not a number and still enforces the limit", async () => {
    expect(await readBodyText(requestWith("{}", { "content-length": "lots" }), 10)).toBe("{}");
    expect((await rejection(readBodyText(requestWith("x".repeat(11), { "content-length": "lots" }), 10))).status).toBe(413);
  });

  it("answers 400, not a server error, when the body fails mid-way", async () => {
    let sent = false;
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) controller.error(new Error("socket hang up"));
        else controller.enqueue(encoder.encode("{\"messages\":"));
        sent = true;
      },
    });
    const error = await rejection(readBodyText(requestWith(failing), 1024));
    expect(error.status).toBe(400);
    expect(error.message).toBe("The request body could not be read to the end.");
  });

  it("refuses a limit that is not a byte count", async () => {
    await expect(readBodyText(requestWith("{}"), -1)).rejects.toThrow(RangeError);
    await expect(readBodyText(requestWith("{}"), 1.5)).rejects.toThrow(RangeError);
  });
});

describe("requireJsonContentType", () => {
  function contentTypeError(contentType: string | null): AppError | undefined {
    const headers: Record<string, string> = contentType === null ? {} : { "content-type": contentType };
    // A Request with a string body would add text/plain itself; a header-only request keeps exactly what we set.
    const request = new Request("http://localhost/api/test", { method: "POST", headers });
    if (contentType === null) request.headers.delete("content-type");
    try {
      requireJsonContentType(request);
      return undefined;
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      return error as AppError;
    }
  }

  it.each(["application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8", "  application/json  ; foo=bar", "APPLICATION/JSON"])(
    "accepts %j",
    (contentType) => {
      expect(contentTypeError(contentType)).toBeUndefined();
    },
  );

  it.each([
    "application/x-www-form-urlencoded",
    "text/plain;charset=UTF-8",
    "multipart/form-data; boundary=x",
    "application/jsonp",
    "application/json-patch+json",
    "text/json",
    "json",
    "",
    ";application/json",
  ])("refuses %j with 415 and says what to send", (contentType) => {
    const error = contentTypeError(contentType);
    expect(error?.status).toBe(415);
    expect(error?.code).toBe("bad_request");
    expect(error?.message).toContain("Content-Type: application/json");
    expect(error?.message).toContain("curl");
  });

  it("refuses a missing Content-Type, and says none was sent", () => {
    const error = contentTypeError(null);
    expect(error?.status).toBe(415);
    expect(error?.message).toMatch(/no Content-Type/);
    expect(error?.message).toContain("x-www-form-urlencoded");
  });

  it("echoes the media type it refused, short", () => {
    expect(contentTypeError("text/plain; charset=utf-8")?.message).toContain("not “text/plain”");
    expect(contentTypeError(`text/${"x".repeat(500)}`)?.message.length).toBeLessThan(300);
  });
});
