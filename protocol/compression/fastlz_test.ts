import assert from "node:assert/strict";
import { SeededRandom } from "../random.ts";
import { FASTLZ_LEVEL2_THRESHOLD, FastLzCodec } from "./fastlz.ts";
import { damage, GENERATORS, guarded } from "./_test_inputs.ts";

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const text = (s: string) => new TextEncoder().encode(s);

function compress(codec: FastLzCodec, input: Uint8Array): Uint8Array {
  const packed = new Uint8Array(FastLzCodec.maxCompressedLength(input.length));
  const n = codec.compress(input, packed);
  assert.ok(n > 0, `compress failed for ${input.length} bytes`);
  return packed.slice(0, n);
}

function roundTrip(codec: FastLzCodec, input: Uint8Array): Uint8Array {
  const packed = compress(codec, input);
  // Inputs under 16 bytes were padded with zeros to 16 before compressing.
  const expected = new Uint8Array(Math.max(16, input.length));
  expected.set(input);
  const plain = new Uint8Array(expected.length);
  assert.equal(codec.decompress(packed, plain), expected.length);
  assert.deepEqual(plain, expected);
  return packed;
}

Deno.test("fastlz: matches Godot's output on a fixed vector", () => {
  // Produced by Godot 3.2.3's PoolByteArray.compress(File.COMPRESSION_FASTLZ).
  const hello = text("hello hello hello hello hello world".repeat(3));
  assert.equal(
    hex(roundTrip(new FastLzCodec(), hello)),
    "0568656c6c6f20e00f0504776f726c64e00f1c8017e01c2202726c64",
  );
});

Deno.test("fastlz: round trips every kind of input from 0 to 4096 bytes at level 1", () => {
  const codec = new FastLzCodec();
  const random = new SeededRandom(1);
  for (let length = 0; length <= 20; length++) {
    for (const generate of Object.values(GENERATORS)) roundTrip(codec, generate(random, length));
  }
  for (const length of [21, 64, 263, 264, 265, 1000, 1372, 2048, 4092, 4096, 9000]) {
    for (const generate of Object.values(GENERATORS)) {
      const packed = roundTrip(codec, generate(random, length));
      assert.equal(packed[0] >> 5, 0, "level 1 marker");
    }
  }
});

Deno.test("fastlz: inputs of 64 KiB and more use level 2 and round trip", () => {
  const codec = new FastLzCodec();
  const random = new SeededRandom(2);
  for (const generate of Object.values(GENERATORS)) {
    const packed = roundTrip(codec, generate(random, FASTLZ_LEVEL2_THRESHOLD + 5000));
    assert.equal(packed[0] >> 5, 1, "level 2 marker");
  }
  // Long runs and far matches (beyond 8 KiB) exercise level 2's extended codes.
  const far = GENERATORS.random(random, 90_000);
  far.copyWithin(70_000, 1_000, 3_000);
  assert.equal(roundTrip(codec, far)[0] >> 5, 1);
  assert.equal(roundTrip(codec, new Uint8Array(200_000).fill(9))[0] >> 5, 1);
});

Deno.test("fastlz: short inputs are padded to 16 bytes like Godot", () => {
  const codec = new FastLzCodec();
  const packed = compress(codec, Uint8Array.of(1, 2, 3));
  const plain = new Uint8Array(16);
  assert.equal(codec.decompress(packed, plain), 16);
  assert.deepEqual(plain, Uint8Array.of(1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  // Twelve zero bytes shrink (padding included), so ENet would send them compressed.
  assert.ok(compress(codec, new Uint8Array(12)).length < 12);
});

Deno.test("fastlz: decoder quirks of the reference are kept", () => {
  const codec = new FastLzCodec();
  const dst = new Uint8Array(64);
  // Level 1 stops when fewer than two bytes remain, so one trailing byte is ignored.
  assert.equal(codec.decompress(Uint8Array.of(2, 10, 20, 30, 0xff), dst), 3);
  assert.deepEqual(dst.subarray(0, 3), Uint8Array.of(10, 20, 30));
  // A literal run of 4 then a match of 3 at distance 1: a run of the last byte.
  assert.equal(codec.decompress(Uint8Array.of(3, 1, 2, 3, 4, 0x20, 0), dst), 7);
  assert.deepEqual(dst.subarray(0, 7), Uint8Array.of(1, 2, 3, 4, 4, 4, 4));
  // Level 2 ending in a match instruction without its distance byte is rejected.
  assert.equal(codec.decompress(Uint8Array.of(0x23, 1, 2, 3, 4, 0x20), dst), -1);
  // Levels 3..8 do not exist.
  assert.equal(codec.decompress(Uint8Array.of(0x40, 1), dst), -1);
  // A reference before the start of the output.
  assert.equal(codec.decompress(Uint8Array.of(0, 1, 0x20, 5), dst), -1);
  assert.equal(codec.decompress(new Uint8Array(0), dst), -1);
});

Deno.test("fastlz: compress and decompress enforce their limits", () => {
  const codec = new FastLzCodec();
  const random = new SeededRandom(3);
  for (const input of [GENERATORS.random(random, 700), GENERATORS.repetitive(random, 700)]) {
    const packed = compress(codec, input);
    const exact = guarded(packed.length);
    assert.equal(codec.compress(input, exact.view), packed.length);
    assert.deepEqual(exact.view, packed);
    const short = guarded(packed.length - 1);
    assert.equal(codec.compress(input, short.view), -1);
    assert.ok(short.intact(), "compress wrote past the destination");
    assert.equal(codec.compress(input, new Uint8Array(2000), packed.length - 1), -1);
    const plain = guarded(input.length - 1);
    assert.equal(codec.decompress(packed, plain.view), -1);
    assert.ok(plain.intact(), "decompress wrote past the destination");
  }
});

Deno.test("fastlz: the size bound holds for incompressible input", () => {
  const codec = new FastLzCodec();
  const random = new SeededRandom(4);
  for (const length of [1, 15, 16, 31, 32, 33, 100, 4096, 70_000]) {
    const input = GENERATORS.random(random, length);
    assert.ok(compress(codec, input).length <= FastLzCodec.maxCompressedLength(length));
  }
});

Deno.test("fastlz: damaged or random input never throws nor overruns", () => {
  const codec = new FastLzCodec();
  const random = new SeededRandom(5);
  const streams = Object.values(GENERATORS).map((g) => compress(codec, g(random, 500)));
  streams.push(compress(codec, GENERATORS.repetitive(random, 70_000)).subarray(0, 800));
  const started = performance.now();
  for (let i = 0; i < 20_000; i++) {
    const input = damage(random, streams[i % streams.length]);
    const out = guarded(random.nextU32() % 4097);
    const n = codec.decompress(input, out.view);
    assert.ok(n >= -1 && n <= out.view.length);
    assert.ok(out.intact(), "wrote past the destination");
  }
  assert.ok(performance.now() - started < 2000, "fuzzing took too long");
});
