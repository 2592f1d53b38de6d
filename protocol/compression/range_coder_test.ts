import assert from "node:assert/strict";
import { SeededRandom } from "../random.ts";
import { RangeCoder } from "./range_coder.ts";
import { damage, GENERATORS, guarded } from "./_test_inputs.ts";

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const text = (s: string) => new TextEncoder().encode(s);

function roundTrip(coder: RangeCoder, input: Uint8Array): Uint8Array {
  const packed = new Uint8Array(input.length * 2 + 16);
  const n = coder.compress(input, packed);
  assert.ok(n >= 0, `compress failed for ${input.length} bytes`);
  const plain = new Uint8Array(input.length);
  assert.equal(coder.decompress(packed.subarray(0, n), plain), input.length);
  assert.deepEqual(plain, input);
  return packed.slice(0, n);
}

Deno.test("range coder: matches libenet's output on fixed vectors", () => {
  // Produced by libenet 1.3.17's enet_range_coder_compress.
  const coder = new RangeCoder();
  const hello = "hello hello hello hello hello world".repeat(3);
  assert.equal(
    hex(roundTrip(coder, text(hello))),
    "68fbe0c33d7072bdd5fc689a2e5ea76e6042cb2468d473ef18",
  );
  const command = Uint8Array.of(
    0x86,
    1,
    0,
    5,
    0,
    12,
    0x3e,
    0x9a,
    0x21,
    0x0f,
    0,
    0,
    0,
    0,
    1,
    2,
    3,
    4,
  );
  assert.equal(hex(roundTrip(coder, command)), "867b7da06c8b49dd120cc31a7aafae5c6347");
});

Deno.test("range coder: round trips every kind of input from 0 to 4096 bytes", () => {
  const coder = new RangeCoder();
  const random = new SeededRandom(1);
  for (let length = 0; length <= 20; length++) {
    for (const generate of Object.values(GENERATORS)) roundTrip(coder, generate(random, length));
  }
  for (const length of [21, 64, 255, 256, 1000, 1372, 1400, 2048, 4092, 4096]) {
    for (const generate of Object.values(GENERATORS)) roundTrip(coder, generate(random, length));
  }
});

Deno.test("range coder: survives model restarts on long inputs and stays deterministic", () => {
  const coder = new RangeCoder();
  const random = new SeededRandom(2);
  // Random bytes fill the 4096-node table after roughly 1400 bytes, forcing restarts.
  for (const input of [GENERATORS.random(random, 30_000), GENERATORS.repetitive(random, 60_000)]) {
    const first = roundTrip(coder, input);
    assert.deepEqual(roundTrip(new RangeCoder(), input), first);
    assert.deepEqual(roundTrip(coder, input), first);
  }
});

Deno.test("range coder: compresses ENet-like bodies", () => {
  const coder = new RangeCoder();
  const random = new SeededRandom(3);
  const body = GENERATORS.enet(random, 1200);
  assert.ok(roundTrip(coder, body).length < body.length * 0.8);
});

Deno.test("range coder: compress fails cleanly when the output limit is reached", () => {
  const coder = new RangeCoder();
  const random = new SeededRandom(4);
  const input = GENERATORS.random(random, 500);
  const full = new Uint8Array(1024);
  const n = coder.compress(input, full);
  assert.ok(n > 0);
  const exact = guarded(n);
  assert.equal(coder.compress(input, exact.view), n);
  assert.deepEqual(exact.view, full.subarray(0, n));
  const short = guarded(n - 1);
  assert.equal(coder.compress(input, short.view), -1);
  assert.ok(short.intact(), "wrote past the destination");
  assert.equal(coder.compress(input, full, n - 1), -1);
  assert.equal(coder.compress(input, full, n), n);
  assert.equal(coder.compress(new Uint8Array(0), full), 0);
});

Deno.test("range coder: decompress enforces the output limit", () => {
  const coder = new RangeCoder();
  const input = text("abcdefghij".repeat(30));
  const packed = roundTrip(coder, input);
  const exact = guarded(input.length);
  assert.equal(coder.decompress(packed, exact.view), input.length);
  const short = guarded(input.length - 1);
  assert.equal(coder.decompress(packed, short.view), -1);
  assert.ok(short.intact(), "wrote past the destination");
  assert.equal(coder.decompress(packed, new Uint8Array(0)), -1);
  assert.equal(coder.decompress(new Uint8Array(0), new Uint8Array(10)), 0);
});

Deno.test("range coder: damaged or random input never throws nor overruns", () => {
  const coder = new RangeCoder();
  const random = new SeededRandom(5);
  const streams = Object.values(GENERATORS).map((g) => roundTrip(coder, g(random, 400)));
  const started = performance.now();
  for (let i = 0; i < 4000; i++) {
    const input = damage(random, streams[i % streams.length]);
    const out = guarded(1 + (random.nextU32() % 4096));
    const n = coder.decompress(input, out.view);
    assert.ok(n >= -1 && n <= out.view.length);
    assert.ok(out.intact(), "wrote past the destination");
  }
  assert.ok(performance.now() - started < 2000, "fuzzing took too long");
  // The coder still works after all that garbage.
  roundTrip(coder, text("still fine, still fine"));
});
