import "server-only";
import { AppError } from "@/src/server/errors";

/**
 * Reading request bodies without trusting the client about their size.
 *
 * `request.text()` buffers the whole body before anyone can look at its length,
 * so a 200 MB chunked POST costs hundreds of MB of memory before its 413. Here
 * the bytes are counted as they arrive and the stream is cancelled the moment
 * the count passes the limit; at most `maxBytes` plus one chunk is ever held.
 */

/** "2048 KB", or "100 bytes" below 1 KB, so a small limit in a test does not read "0.1 KB". */
function describeLimit(maxBytes: number): string {
  if (maxBytes < 1024) return `${maxBytes} bytes`;
  const kilobytes = maxBytes / 1024;
  return `${Number.isInteger(kilobytes) ? kilobytes : kilobytes.toFixed(1)} KB`;
}

function tooLarge(maxBytes: number): AppError {
  return new AppError("bad_request", `The request body is larger than ${describeLimit(maxBytes)}.`, { status: 413 });
}

/**
 * The Content-Length the client declared, when it is a plain decimal number. A
 * malformed one is ignored here rather than refused: Node's HTTP parser already
 * refuses those, and the byte count below enforces the limit whatever it says.
 */
function declaredLength(header: string | null): number | null {
  if (header === null || !/^\s*\d+\s*$/.test(header)) return null;
  return Number(header);
}

/** Cancels without waiting: a source whose cancel hangs or fails must not hold up the error response. */
function cancelQuietly(cancel: (reason: unknown) => Promise<void>, reason: unknown): void {
  cancel(reason).catch(() => undefined);
}

/** Chunks from the platform are Uint8Array; any other byte view is read as its bytes, anything else is our bug. */
function bytesOf(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError("A request body chunk was not bytes.");
}

/**
 * The body of `request` as text, read incrementally:
 * - a declared Content-Length over `maxBytes` is a 413 before anything is read;
 * - otherwise bytes are counted as they arrive, and the first chunk that takes the
 *   count past `maxBytes` cancels the stream (the client stops being read, the
 *   source stops being pulled) and is a 413. Exactly `maxBytes` is accepted;
 * - the bytes must be valid UTF-8 (JSON is UTF-8 only, RFC 8259 §8.1): decoding is
 *   strict, so a broken sequence is a 400 instead of silently becoming U+FFFD.
 *   A leading byte order mark is dropped, as `request.text()` does;
 * - a body that fails mid-way (the client hung up) is a 400, not a server error.
 * A request without a body reads as "".
 */
export async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new RangeError(`readBodyText: maxBytes must be a non-negative integer, got ${maxBytes}.`);
  const body = request.body;
  const declared = declaredLength(request.headers.get("content-length"));
  if (declared !== null && declared > maxBytes) {
    // Nothing of it will be used; cancelling lets the source (and the socket) go now.
    if (body !== null && !body.locked) cancelQuietly((reason) => body.cancel(reason), "body too large");
    throw tooLarge(maxBytes);
  }
  if (body === null) return "";

  const reader = body.getReader();
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const parts: string[] = [];
  let received = 0;
  try {
    for (;;) {
      let result: ReadableStreamReadResult<unknown>;
      try {
        result = await reader.read();
      } catch (error) {
        throw new AppError("bad_request", "The request body could not be read to the end.", { cause: error });
      }
      if (result.done) break;
      const chunk = bytesOf(result.value);
      received += chunk.byteLength;
      if (received > maxBytes) throw tooLarge(maxBytes);
      parts.push(decode(decoder, chunk));
    }
    // Flushes the decoder: a multi-byte sequence cut off at the very end fails here.
    parts.push(decode(decoder));
  } catch (error) {
    cancelQuietly((reason) => reader.cancel(reason), error);
    throw error;
  }
  return parts.join("");
}

function decode(decoder: TextDecoder, chunk?: Uint8Array): string {
  try {
    // `stream: true` keeps a sequence split across chunks pending until its next bytes arrive.
    return chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
  } catch (error) {
    throw new AppError("bad_request", "The request body is not valid UTF-8 text.", { cause: error });
  }
}

const JSON_MEDIA_TYPE = "application/json";
const CURL_HINT = "With curl, add -H 'Content-Type: application/json' (-d alone sends application/x-www-form-urlencoded).";

/**
 * Refuses a body that is not declared as JSON, with 415. Media types are
 * case-insensitive and parameters are allowed (`application/json; charset=utf-8`);
 * a charset other than UTF-8 is not refused here, since RFC 8259 gives
 * application/json no charset parameter, but non-UTF-8 bytes still fail decoding.
 *
 * A missing Content-Type is refused too: a JSON API that guessed would also accept
 * HTML forms posted cross-site (which cannot send application/json without a CORS
 * preflight), and the script that forgot the header learns why from the message.
 * Call it before reading the body, so a refused request costs nothing.
 */
export function requireJsonContentType(request: Request): void {
  const header = request.headers.get("content-type");
  const mediaType = header?.split(";", 1)[0]?.trim().toLowerCase() ?? "";
  if (mediaType === JSON_MEDIA_TYPE) return;
  const message =
    header === null || mediaType === ""
      ? `The request has no Content-Type; send the JSON body with Content-Type: application/json. ${CURL_HINT}`
      : `The request body must be sent as Content-Type: application/json, not “${shown(mediaType)}”. ${CURL_HINT}`;
  throw new AppError("bad_request", message, { status: 415 });
}

/** The client's own media type, echoed back short and printable (it is user input). */
function shown(mediaType: string): string {
  const printable = mediaType.replace(/[\u0000-\u001f\u007f]/g, "");
  return printable.length > 80 ? `${printable.slice(0, 80)}…` : printable;
}
