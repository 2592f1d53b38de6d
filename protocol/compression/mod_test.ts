import assert from "node:assert/strict";
import * as zlib from "node:zlib";
import { MultiplayerError } from "../errors.ts";
import { SeededRandom } from "../random.ts";
import { CompressionMode, createCompressor, type DatagramCompressor } from "./mod.ts";
import { damage, GENERATORS, guarded } from "./_test_inputs.ts";

/** ENet receives into its 4096-byte MTU buffer, minus the (here 4-byte) datagram header. */
const RECEIVE_LIMIT = 4096 - 4;

const COMPRESSING_MODES = [
  CompressionMode.RANGE_CODER,
  CompressionMode.FASTLZ,
  CompressionMode.ZLIB,
  CompressionMode.ZSTD,
] as const;

function each(fn: (compressor: DatagramCompressor, mode: CompressionMode) => void) {
  for (const mode of COMPRESSING_MODES) fn(createCompressor(mode, zlib)!, mode);
}

Deno.test("compression: modes are numbered like Godot's compression_mode", () => {
  assert.deepEqual(CompressionMode, { NONE: 0, RANGE_CODER: 1, FASTLZ: 2, ZLIB: 3, ZSTD: 4 });
  assert.equal(createCompressor(CompressionMode.NONE), undefined);
  each((compressor) => assert.ok(compressor));
  for (const bad of [5, -1, 1.5, NaN]) {
    assert.throws(
      () => createCompressor(bad as CompressionMode),
      (e) => e instanceof MultiplayerError && e.code === "INVALID_ARGUMENT",
    );
  }
});

Deno.test("compression: ENet-like datagram bodies round trip in every mode", () => {
  const random = new SeededRandom(1);
  each((compressor, mode) => {
    let compressed = 0;
    for (let length = 1; length <= 4096; length = Math.ceil(length * 1.3)) {
      const body = GENERATORS.enet(random, length);
      const wire = new Uint8Array(4096);
      const n = compressor.compress(body, wire);
      assert.ok(n >= 0 && n < Math.max(body.length, 1), `mode ${mode}: ${n} for ${length}`);
      if (n === 0) continue;
      compressed++;
      const plain = new Uint8Array(RECEIVE_LIMIT);
      const m = compressor.decompress(wire.subarray(0, n), plain);
      // FastLZ pads bodies under 16 bytes; ENet stops parsing at the zero padding.
      const expected = mode === CompressionMode.FASTLZ ? Math.max(16, length) : length;
      assert.equal(m, expected, `mode ${mode}, ${length} bytes`);
      assert.deepEqual(plain.subarray(0, length), body);
      assert.ok(plain.subarray(length, m).every((b) => b === 0));
    }
    assert.ok(compressed > 10, `mode ${mode} compressed only ${compressed} bodies`);
  });
});

Deno.test("compression: only strictly smaller results are offered", () => {
  const random = new SeededRandom(2);
  each((compressor, mode) => {
    const noise = GENERATORS.random(random, 1000);
    assert.equal(compressor.compress(noise, new Uint8Array(4096)), 0, `mode ${mode}: noise`);
    assert.equal(compressor.compress(new Uint8Array(0), new Uint8Array(64)), 0);
    assert.equal(compressor.compress(Uint8Array.of(7), new Uint8Array(64)), 0);
    const body = new Uint8Array(600).fill(3);
    const n = compressor.compress(body, new Uint8Array(4096));
    assert.ok(n > 0 && n < 600);
    // A destination too small for the result: send uncompressed, and nothing written past it.
    const tight = guarded(n - 1);
    assert.equal(compressor.compress(body, tight.view), 0);
    assert.ok(tight.intact(), `mode ${mode} wrote past the destination`);
  });
});

Deno.test("compression: datagrams ENet would drop decompress to -1", () => {
  each((compressor, mode) => {
    const plain = new Uint8Array(RECEIVE_LIMIT);
    assert.equal(compressor.decompress(new Uint8Array(0), plain), -1, `mode ${mode}: empty`);
    const body = new Uint8Array(5000).fill(1);
    const wire = new Uint8Array(5000);
    const n = compressor.compress(body, wire);
    assert.ok(n > 0);
    // More than ENet's receive buffer holds.
    assert.equal(compressor.decompress(wire.subarray(0, n), plain), -1, `mode ${mode}: too big`);
  });
  // Streams that decode to nothing are dropped too (ENet treats 0 bytes as failure).
  assert.equal(
    createCompressor(CompressionMode.RANGE_CODER)!.decompress(Uint8Array.of(0), new Uint8Array(9)),
    -1,
  );
  const emptyZstd = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x00, 0x01, 0x00, 0x00);
  assert.equal(
    createCompressor(CompressionMode.ZSTD, zlib)!.decompress(emptyZstd, new Uint8Array(9)),
    -1,
  );
});

Deno.test("compression: garbage never throws in any mode", () => {
  const random = new SeededRandom(3);
  each((compressor, mode) => {
    const wire = new Uint8Array(4096);
    const n = compressor.compress(GENERATORS.enet(random, 800), wire);
    assert.ok(n > 0);
    const stream = wire.slice(0, n);
    for (let i = 0; i < 300; i++) {
      const out = guarded(RECEIVE_LIMIT);
      const m = compressor.decompress(damage(random, stream), out.view);
      assert.ok(m === -1 || (m > 0 && m <= RECEIVE_LIMIT), `mode ${mode}: ${m}`);
      assert.ok(out.intact());
    }
  });
});
