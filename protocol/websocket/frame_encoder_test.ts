import assert from "node:assert/strict";
import {
  closePayload,
  encodeFrame,
  frameHeaderSize,
  MAX_CLOSE_REASON_BYTES,
  Opcode,
  writeFrameHeader,
} from "./frame_encoder.ts";
import { MultiplayerError } from "../errors.ts";

Deno.test("frame encoder: headers use the shortest length form (RFC 6455 §5.7 examples)", () => {
  // "Hello", unmasked and masked with 37 fa 21 3d
  assert.deepEqual(
    encodeFrame(Opcode.TEXT, new TextEncoder().encode("Hello")),
    new Uint8Array([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]),
  );
  assert.deepEqual(
    encodeFrame(Opcode.TEXT, new TextEncoder().encode("Hello"), {
      mask: new Uint8Array([0x37, 0xfa, 0x21, 0x3d]),
    }),
    new Uint8Array([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]),
  );
  // fragmented "Hel" + "lo"
  assert.deepEqual(
    encodeFrame(Opcode.TEXT, new TextEncoder().encode("Hel"), { fin: false }).subarray(0, 2),
    new Uint8Array([0x01, 0x03]),
  );
  // 256 bytes and 64 KiB binary
  const out = new Uint8Array(10);
  assert.equal(writeFrameHeader(out, 0, Opcode.BINARY, 256), 4);
  assert.deepEqual(out.subarray(0, 4), new Uint8Array([0x82, 0x7e, 0x01, 0x00]));
  assert.equal(writeFrameHeader(out, 0, Opcode.BINARY, 65536), 10);
  assert.deepEqual(out, new Uint8Array([0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0]));
  assert.equal(writeFrameHeader(out, 0, Opcode.BINARY, 2 ** 40 + 5), 10);
  assert.deepEqual(out, new Uint8Array([0x82, 0x7f, 0, 0, 1, 0, 0, 0, 0, 5]));
  for (const [length, size] of [[0, 2], [125, 2], [126, 4], [65535, 4], [65536, 10]]) {
    assert.equal(frameHeaderSize(length), size);
    assert.equal(frameHeaderSize(length, true), size + 4);
  }
});

Deno.test("frame encoder: misuse throws", () => {
  assert.throws(() => encodeFrame(Opcode.PING, new Uint8Array(126)), MultiplayerError);
  assert.throws(
    () => encodeFrame(Opcode.CLOSE, new Uint8Array(0), { fin: false }),
    MultiplayerError,
  );
  assert.throws(() => writeFrameHeader(new Uint8Array(10), 0, Opcode.BINARY, -1), MultiplayerError);
  assert.throws(
    () => writeFrameHeader(new Uint8Array(10), 0, Opcode.BINARY, 1.5),
    MultiplayerError,
  );
  assert.throws(() => writeFrameHeader(new Uint8Array(3), 0, Opcode.BINARY, 300), RangeError);
  assert.throws(
    () => writeFrameHeader(new Uint8Array(20), 0, Opcode.BINARY, 1, true, new Uint8Array(3)),
    MultiplayerError,
  );
});

Deno.test("frame encoder: close payloads", () => {
  assert.deepEqual(closePayload(), new Uint8Array(0));
  assert.deepEqual(closePayload(1001), new Uint8Array([0x03, 0xe9]));
  assert.deepEqual(closePayload(4000, "é"), new Uint8Array([0x0f, 0xa0, 0xc3, 0xa9]));
  assert.equal(closePayload(1000, "x".repeat(MAX_CLOSE_REASON_BYTES)).length, 125);
  assert.throws(() => closePayload(1000, "x".repeat(MAX_CLOSE_REASON_BYTES + 1)), MultiplayerError);
  assert.throws(() => closePayload(1000, "é".repeat(62)), MultiplayerError); // 124 bytes
  for (const code of [999, 1005, 1006, 1015, 2000, 5000]) {
    assert.throws(() => closePayload(code), MultiplayerError, `code ${code}`);
  }
  assert.throws(() => closePayload(undefined, "reason without code"), MultiplayerError);
});
