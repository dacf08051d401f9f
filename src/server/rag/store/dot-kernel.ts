// Dot products of one query with many rows, for the vectors held in memory (vector-memory.ts), on
// the embedded database's thread. No `import "server-only"`: the worker loads this module.

/**
 * The scan runs in WebAssembly with 128-bit SIMD (four float32 lanes): 0.33 ms for 1,331 rows of
 * 1024 dimensions here, against 2.2-2.5 ms for the best plain JavaScript loop (four accumulators)
 * and 4-5 ms for pgvector's scan in PGlite. Float32 accumulation, as pgvector's own distance.
 * Where WebAssembly SIMD is missing, the same layout is scanned in JavaScript.
 *
 * The module is one function, `dots(rows, count, stride, query, out)`: for each of `count` rows
 * of `stride` bytes from byte `rows`, `out[r]` = the row · the query at byte `query`. It is
 * assembled below from its instructions (WebAssembly's binary format, with the opcode of each
 * named), about 200 bytes: no toolchain, nothing to download.
 */

/** An unsigned LEB128 integer (WebAssembly's integer encoding). */
function leb128(value: number): number[] {
  const bytes: number[] = [];
  let rest = value >>> 0;
  do {
    const low = rest & 0x7f;
    rest >>>= 7;
    bytes.push(rest === 0 ? low : low | 0x80);
  } while (rest !== 0);
  return bytes;
}

const name = (text: string) => [text.length, ...new TextEncoder().encode(text)];
const section = (id: number, bytes: number[]) => [id, ...leb128(bytes.length), ...bytes];

// Instructions used (WebAssembly 2.0 core spec, "Binary Format").
const localGet = (index: number) => [0x20, index];
const localSet = (index: number) => [0x21, index];
const localTee = (index: number) => [0x22, index];
/** `i32.const`, whose operand is a signed LEB128: the unsigned encoding above is the same below 64. */
const i32Const = (value: number) => {
  if (!(Number.isInteger(value) && value >= 0 && value < 64)) throw new Error(`i32.const ${value} needs a signed encoding`);
  return [0x41, value];
};
const simd = (opcode: number) => [0xfd, ...leb128(opcode)];
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const END = [0x0b];
const br = (depth: number) => [0x0c, depth];
const brIf = (depth: number) => [0x0d, depth];
const I32_ADD = [0x6a];
const I32_SHL = [0x74];
const I32_GE_U = [0x4f];
const I32_LT_U = [0x49];
const F32_ADD = [0x92];
const f32Store = [0x38, 2, 0]; // alignment 2^2, offset 0
const v128Load = [...simd(0x00), 0, 0]; // alignment 2^0 (rows are 4-byte aligned), offset 0
const v128Zero = [...simd(0x0c), ...new Array<number>(16).fill(0)];
const F32X4_MUL = simd(0xe6);
const F32X4_ADD = simd(0xe4);
const f32x4Lane = (lane: number) => [...simd(0x1f), lane];

// Parameters, then locals.
const ROWS = 0;
const COUNT = 1;
const STRIDE = 2;
const QUERY = 3;
const OUT = 4;
const ROW_INDEX = 5;
const OFFSET = 6;
const ROW = 7;
const SUM = 8;

const DOTS_BODY = [
  // locals: three i32 (row index, byte offset in the row, row address), one v128 (the four sums)
  2, 3, 0x7f, 1, 0x7b,
  ...localGet(ROWS), ...localSet(ROW),
  ...BLOCK, ...LOOP,
  // while row index < count
  ...localGet(ROW_INDEX), ...localGet(COUNT), ...I32_GE_U, ...brIf(1),
  ...v128Zero, ...localSet(SUM),
  ...i32Const(0), ...localSet(OFFSET),
  ...LOOP,
  // sum += row[offset..+16] * query[offset..+16], four floats at a time
  ...localGet(SUM),
  ...localGet(ROW), ...localGet(OFFSET), ...I32_ADD, ...v128Load,
  ...localGet(QUERY), ...localGet(OFFSET), ...I32_ADD, ...v128Load,
  ...F32X4_MUL, ...F32X4_ADD, ...localSet(SUM),
  ...localGet(OFFSET), ...i32Const(16), ...I32_ADD, ...localTee(OFFSET), ...localGet(STRIDE), ...I32_LT_U, ...brIf(0),
  ...END,
  // out[row index] = the four lanes added
  ...localGet(OUT), ...localGet(ROW_INDEX), ...i32Const(2), ...I32_SHL, ...I32_ADD,
  ...localGet(SUM), ...f32x4Lane(0), ...localGet(SUM), ...f32x4Lane(1), ...F32_ADD,
  ...localGet(SUM), ...f32x4Lane(2), ...F32_ADD, ...localGet(SUM), ...f32x4Lane(3), ...F32_ADD,
  ...f32Store,
  ...localGet(ROW), ...localGet(STRIDE), ...I32_ADD, ...localSet(ROW),
  ...localGet(ROW_INDEX), ...i32Const(1), ...I32_ADD, ...localSet(ROW_INDEX),
  ...br(0),
  ...END, ...END,
  ...END,
];

const I32 = 0x7f;
const DOTS_MODULE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
  ...section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 0]), // type: (i32 ×5) → ()
  ...section(2, [1, ...name("env"), ...name("memory"), 0x02, 0x00, 1]), // import: env.memory, at least 1 page
  ...section(3, [1, 0]), // function 0 has type 0
  ...section(7, [1, ...name("dots"), 0x00, 0]), // export function 0 as "dots"
  ...section(10, [1, ...leb128(DOTS_BODY.length), ...DOTS_BODY]),
]);

const PAGE_BYTES = 65_536;

/** Whether this runtime has WebAssembly SIMD (Node.js has since 16.4). */
export const simdAvailable: boolean = typeof WebAssembly === "object" && WebAssembly.validate(DOTS_MODULE);

export interface DotKernel {
  readonly count: number;
  readonly dimensions: number;
  /** Row `index`, to fill before the first `scores` (zero beyond `dimensions`). */
  row(index: number): Float32Array;
  /** Every row · `query` (`dimensions` values), in row order: a view, valid until the next call. */
  scores(query: ArrayLike<number>): Float32Array;
}

/** Compiled once, at the first kernel. */
let compiled: WebAssembly.Module | undefined;

/** `count` rows of `dimensions` floats, scanned with SIMD when the runtime has it (`simd: false` forces the JavaScript loop). */
export function createDotKernel(count: number, dimensions: number, options: { simd?: boolean } = {}): DotKernel {
  // Rows padded to four floats, so that the SIMD loop needs no remainder.
  const stride = Math.ceil(dimensions / 4) * 4;
  const rowsBytes = count * stride * 4;
  const queryAt = rowsBytes;
  const outAt = queryAt + stride * 4;
  const bytes = outAt + count * 4;
  if (options.simd !== false && simdAvailable) {
    const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / PAGE_BYTES) + 1 });
    compiled ??= new WebAssembly.Module(DOTS_MODULE);
    const instance = new WebAssembly.Instance(compiled, { env: { memory } });
    const dots = instance.exports.dots as (rows: number, count: number, stride: number, query: number, out: number) => void;
    const floats = new Float32Array(memory.buffer, 0, bytes / 4);
    const query = floats.subarray(queryAt / 4, queryAt / 4 + stride);
    const out = floats.subarray(outAt / 4, outAt / 4 + count);
    return {
      count,
      dimensions,
      row: (index) => floats.subarray(index * stride, index * stride + dimensions),
      scores(values) {
        for (let index = 0; index < dimensions; index++) query[index] = values[index]!;
        if (count > 0) dots(0, count, stride * 4, queryAt, outAt);
        return out;
      },
    };
  }
  const rows = new Float32Array(count * stride);
  const out = new Float32Array(count);
  return {
    count,
    dimensions,
    row: (index) => rows.subarray(index * stride, index * stride + dimensions),
    scores(query) {
      for (let row = 0; row < count; row++) {
        const base = row * stride;
        // Four accumulators: the additions need not wait for each other (1.5x faster than one, measured).
        let a = 0;
        let b = 0;
        let c = 0;
        let d = 0;
        let index = 0;
        for (; index + 3 < dimensions; index += 4) {
          a += rows[base + index]! * query[index]!;
          b += rows[base + index + 1]! * query[index + 1]!;
          c += rows[base + index + 2]! * query[index + 2]!;
          d += rows[base + index + 3]! * query[index + 3]!;
        }
        for (; index < dimensions; index++) a += rows[base + index]! * query[index]!;
        out[row] = a + b + c + d;
      }
      return out;
    },
  };
}
