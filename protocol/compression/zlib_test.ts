import assert from "node:assert/strict";
import * as zlib from "node:zlib";
import { deflateRawSync, deflateSync } from "node:zlib";
import { MultiplayerError } from "../errors.ts";
import { SeededRandom } from "../random.ts";
import { ZlibCodec } from "./zlib.ts";
import { compress, damage, GENERATORS, guarded, roundTrip } from "./_test_inputs.ts";

Deno.test("zlib: zlib-wrapped deflate at the default level, like Godot", () => {
  const codec = new ZlibCodec({ zlib });
  const packed = roundTrip(codec, new TextEncoder().encode("hello hello hello hello hello world"));
  // 0x78 = deflate with a 32 KiB window; 0x9c = default level class, no preset dictionary.
  assert.deepEqual(packed.subarray(0, 2), Uint8Array.of(0x78, 0x9c));
  // The header's level class follows the configured level (0xda: best, 0x01: fastest).
  assert.equal(compress(new ZlibCodec({ zlib, level: 9 }), new Uint8Array(50))[1], 0xda);
  assert.equal(compress(new ZlibCodec({ zlib, level: 1 }), new Uint8Array(50))[1], 0x01);
  assert.throws(() => new ZlibCodec({ zlib, level: 10 }), MultiplayerError);
});

Deno.test("zlib: round trips every kind of input from 0 to 4096 bytes", () => {
  const codec = new ZlibCodec({ zlib });
  const random = new SeededRandom(1);
  for (let length = 0; length <= 20; length++) {
    for (const generate of Object.values(GENERATORS)) roundTrip(codec, generate(random, length));
  }
  for (const length of [100, 1372, 4092, 4096]) {
    for (const generate of Object.values(GENERATORS)) roundTrip(codec, generate(random, length));
  }
});

Deno.test("zlib: stream edge cases get Godot's verdicts", () => {
  const codec = new ZlibCodec({ zlib });
  const input = GENERATORS.enet(new SeededRandom(2), 600);
  const packed = compress(codec, input);
  const dst = new Uint8Array(4096);
  // Bytes after the end of the stream are ignored.
  const tail = new Uint8Array(packed.length + 3);
  tail.set(packed);
  assert.equal(codec.decompress(tail, dst), input.length);
  assert.equal(codec.decompress(packed.subarray(0, packed.length - 1), dst), -1);
  const badSum = packed.slice();
  badSum[badSum.length - 1] ^= 1;
  assert.equal(codec.decompress(badSum, dst), -1);
  // Raw deflate (no zlib header) and streams needing a preset dictionary are refused.
  assert.equal(codec.decompress(deflateRawSync(input), dst), -1);
  assert.equal(codec.decompress(Uint8Array.of(0x78, 0xbb, 0, 0, 0, 1, 3, 0), dst), -1);
  assert.equal(codec.decompress(new Uint8Array(0), dst), -1);
});

Deno.test("zlib: compress and decompress enforce their limits", () => {
  const codec = new ZlibCodec({ zlib });
  const input = GENERATORS.repetitive(new SeededRandom(3), 900);
  const packed = compress(codec, input);
  const exact = guarded(packed.length);
  assert.equal(codec.compress(input, exact.view), packed.length);
  assert.equal(codec.compress(input, guarded(packed.length - 1).view), -1);
  assert.equal(codec.compress(input, new Uint8Array(2000), packed.length - 1), -1);
  const plainExact = guarded(input.length);
  assert.equal(codec.decompress(packed, plainExact.view), input.length);
  const plainShort = guarded(input.length - 1);
  assert.equal(codec.decompress(packed, plainShort.view), -1);
  assert.ok(plainShort.intact(), "wrote past the destination");
  assert.equal(codec.decompress(compress(codec, new Uint8Array(0)), new Uint8Array(0)), 0);
});

Deno.test("zlib: a decompression bomb stops at the limit without inflating", () => {
  const codec = new ZlibCodec({ zlib });
  // 64 MiB of zeros in 64 KiB: inflating it fully would take ~100 ms and 64+ MiB.
  const bomb = deflateSync(new Uint8Array(64 << 20), { level: 9 });
  const before = Deno.memoryUsage().rss;
  const started = performance.now();
  assert.equal(codec.decompress(bomb, new Uint8Array(4092)), -1);
  const elapsed = performance.now() - started;
  const grown = Deno.memoryUsage().rss - before;
  assert.ok(elapsed < 50, `took ${elapsed} ms`);
  assert.ok(grown < 16 << 20, `resident memory grew by ${grown} bytes`);
});

Deno.test("zlib: damaged or random input never throws nor overruns", () => {
  const codec = new ZlibCodec({ zlib });
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
