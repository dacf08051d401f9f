import { describe, expect, it } from "vitest";
import { encodeVectorArray, encodeVectorCopy, encodeVectorParam } from "@/src/server/rag/store/vector-copy";

describe("encodeVectorCopy", () => {
  it("writes PostgreSQL's binary COPY layout with pgvector's vector encoding", () => {
    const bytes = encodeVectorCopy([
      { chunkId: "7", embedding: [0.5, -1.25] },
      { chunkId: "9007199254740993", embedding: [3] },
    ]);
    const view = new DataView(bytes.buffer);
    expect(Buffer.from(bytes.subarray(0, 11)).toString("latin1")).toBe("PGCOPY\n\xff\r\n\0");
    expect(view.getInt32(11)).toBe(0);
    expect(view.getInt32(15)).toBe(0);
    let offset = 19;
    expect(view.getInt16(offset)).toBe(2);
    expect(view.getInt32(offset + 2)).toBe(8);
    expect(view.getBigInt64(offset + 6)).toBe(7n);
    expect(view.getInt32(offset + 14)).toBe(4 + 8);
    expect(view.getInt16(offset + 18)).toBe(2);
    expect(view.getInt16(offset + 20)).toBe(0);
    expect([view.getFloat32(offset + 22), view.getFloat32(offset + 26)]).toEqual([0.5, -1.25]);
    offset += 30;
    // Ids beyond 2^53 survive: they are parsed from the string, never through a double.
    expect(view.getBigInt64(offset + 6)).toBe(9007199254740993n);
    expect(view.getInt16(offset + 18)).toBe(1);
    expect(view.getFloat32(offset + 22)).toBe(3);
    offset += 26;
    expect(view.getInt16(offset)).toBe(-1);
    expect(bytes.length).toBe(offset + 2);
  });

  it("refuses what PostgreSQL would reject, before sending anything", () => {
    expect(() => encodeVectorCopy([{ chunkId: "1", embedding: [Number.NaN] }])).toThrow(/finite/);
    expect(() => encodeVectorCopy([{ chunkId: "1", embedding: [Number.POSITIVE_INFINITY] }])).toThrow(/finite/);
    expect(() => encodeVectorCopy([{ chunkId: "1", embedding: [1e39] }])).toThrow(/float4/);
    expect(() => encodeVectorCopy([{ chunkId: "1", embedding: [] }])).toThrow(/dimensions/);
    expect(() => encodeVectorCopy([{ chunkId: "1; DROP", embedding: [1] }])).toThrow(/chunk id/);
  });

  it("encodes an empty batch as header and trailer only", () => {
    expect(encodeVectorCopy([]).length).toBe(21);
  });
});

describe("encodeVectorArray", () => {
  it("writes a one-dimensional binary array of the given element type, each element in pgvector's form", () => {
    const bytes = encodeVectorArray([[0.5, -2], [1]], 16_385);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect([view.getInt32(0), view.getInt32(4), view.getUint32(8), view.getInt32(12), view.getInt32(16)]).toEqual([1, 0, 16_385, 2, 1]);
    expect([view.getInt32(20), view.getInt16(24), view.getInt16(26), view.getFloat32(28), view.getFloat32(32)]).toEqual([12, 2, 0, 0.5, -2]);
    expect([view.getInt32(36), view.getInt16(40), view.getInt16(42), view.getFloat32(44)]).toEqual([8, 1, 0, 1]);
    expect(bytes.length).toBe(48);
  });

  it("refuses a value that is not finite and an empty vector", () => {
    expect(() => encodeVectorArray([[1, Number.NaN]], 1)).toThrow(/finite/);
    expect(() => encodeVectorArray([[]], 1)).toThrow(/dimensions/);
  });
});

describe("encodeVectorParam", () => {
  it("writes one vector as vector_recv reads it: int16 dimensions, int16 unused, big-endian float4s", () => {
    const bytes = encodeVectorParam([1, -0.5]);
    expect([...bytes]).toEqual([0, 2, 0, 0, 0x3f, 0x80, 0, 0, 0xbf, 0, 0, 0]);
  });

  it("refuses a value that is not finite and an empty vector", () => {
    expect(() => encodeVectorParam([Number.NaN])).toThrow(/finite/);
    expect(() => encodeVectorParam([])).toThrow(/0 dimensions/);
  });
});
