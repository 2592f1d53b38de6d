import assert from "node:assert/strict";
import * as zlib from "node:zlib";
import { zstdCompressSync } from "node:zlib";
import { MultiplayerError } from "../errors.ts";
import { SeededRandom } from "../random.ts";
import { ZstdCodec } from "./zstd.ts";
import { compress, damage, GENERATORS, guarded, roundTrip } from "./_test_inputs.ts";

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A frame header (no content size, not single-segment) followed by the given blocks. */
function frame(windowDescriptor: number, ...blocks: number[][]): Uint8Array {
  return Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x00, windowDescriptor, ...blocks.flat());
}

/** A 3-byte block header: last flag, type (0 raw, 1 run), size. */
function block(last: boolean, type: number, size: number): number[] {
  const header = (size << 3) | (type << 1) | (last ? 1 : 0);
  return [header & 0xff, (header >> 8) & 0xff, header >> 16];
}

Deno.test("zstd: one single-segment frame with the content size, like Godot", () => {
  const codec = new ZstdCodec({ zlib });
  const input = new TextEncoder().encode("hello hello hello hello hello world".repeat(3));
  // Produced by Godot 3.2.3's PoolByteArray.compress(File.COMPRESSION_ZSTD).
  const godot = "28b52ffd2069c500005868656c6c6f20776f726c6404008d2a00300014a8039622";
  assert.equal(
    Array.from(roundTrip(codec, input), (b) => b.toString(16).padStart(2, "0")).join(""),
    godot,
  );
  const header = roundTrip(codec, new Uint8Array(3000).fill(1)).subarray(0, 7);
  // Descriptor 0x60: 2-byte content size (value - 256), single segment, no checksum/dictionary.
  assert.deepEqual(header, Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x60, 3000 - 256 & 0xff, 10));
  assert.throws(() => new ZstdCodec({ zlib, level: 0 }), MultiplayerError);
  roundTrip(new ZstdCodec({ zlib, level: 19 }), input);
});

Deno.test("zstd: round trips every kind of input from 0 to 4096 bytes", () => {
  const codec = new ZstdCodec({ zlib });
  const random = new SeededRandom(1);
  for (let length = 0; length <= 20; length++) {
    for (const generate of Object.values(GENERATORS)) roundTrip(codec, generate(random, length));
  }
  for (const length of [100, 1372, 4092, 4096]) {
    for (const generate of Object.values(GENERATORS)) roundTrip(codec, generate(random, length));
  }
});

Deno.test("zstd: frame sequences are decoded like Godot's one-shot decoder", () => {
  const codec = new ZstdCodec({ zlib });
  const random = new SeededRandom(2);
  const a = GENERATORS.enet(random, 300);
  const b = GENERATORS.repetitive(random, 200);
  const skippable = Uint8Array.of(0x50, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 7, 7);
  const dst = new Uint8Array(4096);
  assert.equal(codec.decompress(concat(compress(codec, a), compress(codec, b)), dst), 500);
  assert.deepEqual(dst.subarray(0, 500), concat(a, b));
  assert.equal(codec.decompress(concat(skippable, compress(codec, b), skippable), dst), 200);
  assert.deepEqual(dst.subarray(0, 200), b);
  assert.equal(codec.decompress(skippable, dst), 0);
  assert.equal(codec.decompress(new Uint8Array(0), dst), 0);
  // Stray bytes after a frame, a cut frame and a cut skippable frame are all refused.
  const packed = compress(codec, a);
  assert.equal(codec.decompress(concat(packed, Uint8Array.of(1, 2)), dst), -1);
  assert.equal(codec.decompress(packed.subarray(0, packed.length - 1), dst), -1);
  assert.equal(codec.decompress(skippable.subarray(0, 9), dst), -1);
  // Raw and run-length blocks, parsed by hand.
  assert.equal(
    codec.decompress(frame(0, block(false, 0, 2), [5, 6], block(true, 1, 3), [9]), dst),
    5,
  );
  assert.deepEqual(dst.subarray(0, 5), Uint8Array.of(5, 6, 9, 9, 9));
});

Deno.test("zstd: refuses frames that ask for more memory than the output limit", () => {
  const codec = new ZstdCodec({ zlib });
  const dst = new Uint8Array(4092);
  // A streaming encoder that does not know the size declares a 2 MiB window.
  const streamed = zstdCompressSync(new Uint8Array(100));
  assert.equal(codec.decompress(streamed, dst), -1);
  assert.equal(codec.decompress(streamed, new Uint8Array(4 << 20)), 100);
  // Content size of 2^40 in an 8-byte field, tiny window: refused before decoding.
  const huge = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0xc0, 0, 0, 0, 0, 0, 0, 1, 0, 0);
  assert.equal(codec.decompress(concat(huge, Uint8Array.of(...block(true, 0, 1), 1)), dst), -1);
  // Dictionary ids, reserved bits and reserved block types.
  assert.equal(
    codec.decompress(
      Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x21, 5, 1, ...block(true, 0, 1), 1),
      dst,
    ),
    -1,
  );
  assert.equal(
    codec.decompress(frame(0, block(true, 0, 1), [1]).map((v, i) => i === 4 ? 8 : v), dst),
    -1,
  );
  assert.equal(codec.decompress(frame(0, block(true, 3, 1), [1]), dst), -1);
});

Deno.test("zstd: a run-length bomb stops at the limit", () => {
  const codec = new ZstdCodec({ zlib });
  // 5000 run blocks of 1 KiB: 5 MiB from 20 KB.
  const blocks: number[][] = [];
  for (let i = 0; i < 5000; i++) blocks.push(block(i === 4999, 1, 1024), [0x41]);
  const bomb = frame(0, ...blocks);
  const started = performance.now();
  assert.equal(codec.decompress(bomb, new Uint8Array(4092)), -1);
  assert.ok(performance.now() - started < 50);
  const zeros = zstdCompressSync(new Uint8Array(64 << 20));
  assert.equal(codec.decompress(zeros, new Uint8Array(4092)), -1);
});

Deno.test("zstd: compress and decompress enforce their limits", () => {
  const codec = new ZstdCodec({ zlib });
  const input = GENERATORS.repetitive(new SeededRandom(3), 900);
  const packed = compress(codec, input);
  assert.equal(codec.compress(input, guarded(packed.length).view), packed.length);
  assert.equal(codec.compress(input, guarded(packed.length - 1).view), -1);
  assert.equal(codec.compress(input, new Uint8Array(2000), packed.length - 1), -1);
  assert.equal(codec.decompress(packed, guarded(input.length).view), input.length);
  const short = guarded(input.length - 1);
  assert.equal(codec.decompress(packed, short.view), -1);
  assert.ok(short.intact(), "wrote past the destination");
});

Deno.test("zstd: damaged or random input never throws nor overruns", () => {
  const codec = new ZstdCodec({ zlib });
  const random = new SeededRandom(4);
  const streams = Object.values(GENERATORS).map((g) => compress(codec, g(random, 500)));
  const started = performance.now();
  for (let i = 0; i < 3000; i++) {
    const out = guarded(1 + (random.nextU32() % 4096));
    const n = codec.decompress(damage(random, streams[i % streams.length]), out.view);
    assert.ok(n >= -1 && n <= out.view.length);
    assert.ok(out.intact(), "wrote past the destination");
  }
  assert.ok(performance.now() - started < 2000, "fuzzing took too long");
});
