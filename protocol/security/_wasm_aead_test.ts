import assert from "node:assert/strict";
import { ChaCha20Poly1305 } from "./aead.ts";
import { AEAD_LAYOUT as L, aeadKernelBytes } from "./_wasm_aead_module.ts";
import { kernelBytes, wasmAeadKernel } from "./_wasm_aead.ts";
import { chacha20KeyWords } from "./chacha20.ts";
import { fromHex, oracleSeal, SeededBytes, toHex } from "./_test_util.ts";

Deno.test("wasm aead: the embedded kernel is the generator's output", () => {
  const stale = "protocol/security/_wasm_aead_bytes.ts is stale: " +
    "run deno run --allow-write .ci/wasm_kernel.ts";
  assert.deepEqual(kernelBytes(), aeadKernelBytes(), stale);
  assert.deepEqual(kernelBytes(false), aeadKernelBytes(), "the atob fallback decodes alike");
});

Deno.test("wasm aead: every length to 1100 bytes and each SIMD boundary matches the oracle", () => {
  const rnd = new SeededBytes(0x3a5);
  const key = rnd.bytes(32), aead = new ChaCha20Poly1305(key);
  assert.equal(aead.backend, "webassembly");
  const lengths = Array.from({ length: 1101 }, (_, i) => i);
  for (const b of [4096, 65536, L.dataMax]) lengths.push(b - 1, b, b + 1);
  for (const n of lengths) {
    const nonce = rnd.bytes(12), aad = rnd.bytes(n % 41), pt = rnd.bytes(n);
    const sealed = new Uint8Array(n + 16);
    aead.seal(nonce, aad, pt, sealed);
    assert.equal(toHex(sealed), oracleSeal(key, nonce, aad, pt), `length ${n}`);
    const back = new Uint8Array(n);
    assert.equal(aead.open(nonce, aad, sealed, back), n);
    assert.deepEqual(back, pt, `length ${n}`);
  }
});

Deno.test("wasm aead: AAD and data past the kernel's memory take the TypeScript path, same bytes", () => {
  const rnd = new SeededBytes(7);
  const key = rnd.bytes(32), aead = new ChaCha20Poly1305(key);
  for (const [aadLength, n] of [[L.aadMax, 10], [L.aadMax + 1, 10], [3, L.dataMax + 64]]) {
    const nonce = rnd.bytes(12), aad = rnd.bytes(aadLength), pt = rnd.bytes(n);
    const sealed = new Uint8Array(n + 16);
    aead.seal(nonce, aad, pt, sealed);
    assert.equal(toHex(sealed), oracleSeal(key, nonce, aad, pt), `aad ${aadLength}, data ${n}`);
    const back = new Uint8Array(n);
    assert.equal(aead.open(nonce, aad, sealed, back), n);
    assert.deepEqual(back, pt);
  }
});

Deno.test("wasm aead: ranges inside larger buffers, and a forgery writes nothing", () => {
  const rnd = new SeededBytes(8);
  const kernel = wasmAeadKernel();
  assert.ok(kernel !== undefined);
  const key = chacha20KeyWords(rnd.bytes(32)), nonce = rnd.bytes(12);
  const aad = rnd.bytes(40), input = rnd.bytes(600);
  const out = new Uint8Array(700).fill(0xcc);
  kernel.seal(key, nonce, aad, 5, 24, input, 100, 400, out, 50);
  const whole = new Uint8Array(316);
  kernel.seal(key, nonce, aad.slice(5, 24), 0, 19, input.slice(100, 400), 0, 300, whole, 0);
  assert.deepEqual(out.subarray(50, 366), whole);
  assert.ok(out.subarray(0, 50).every((b) => b === 0xcc) && out[366] === 0xcc);
  const back = new Uint8Array(310).fill(0xee);
  assert.equal(kernel.open(key, nonce, aad, 5, 24, out, 50, 350, back, 10), 300);
  assert.deepEqual(back.subarray(10), input.subarray(100, 400));
  out[60] ^= 0x10;
  back.fill(0xee);
  assert.equal(kernel.open(key, nonce, aad, 5, 24, out, 50, 350, back, 10), -1);
  assert.ok(back.every((b) => b === 0xee));
});

Deno.test("wasm aead: the module leaves no key, one-time key or plaintext of a forgery behind", () => {
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(aeadKernelBytes()));
  const memory = new Uint8Array((exports.memory as WebAssembly.Memory).buffer);
  const seal = exports.seal as (aadLength: number, n: number) => void;
  const open = exports.open as (aadLength: number, n: number) => number;
  const rnd = new SeededBytes(9);
  const key = rnd.bytes(32), nonce = rnd.bytes(12), pt = rnd.bytes(200);
  const zero = (from: number, to: number) => memory.subarray(from, to).every((b) => b === 0);
  memory.set(key, L.key), memory.set(nonce, L.nonce), memory.set(pt, L.data);
  seal(0, 200);
  assert.ok(zero(L.key, L.key + 32), "key wiped after seal");
  assert.ok(zero(L.keystream, L.keystream + 256), "one-time key wiped after seal");
  const ciphertext = memory.slice(L.data, L.data + 200);
  const sealed = toHex(ciphertext) + toHex(memory.subarray(L.tag, L.tag + 16));
  assert.equal(sealed, oracleSeal(key, nonce, new Uint8Array(0), pt));
  memory.set(memory.slice(L.tag, L.tag + 16), L.expectedTag);
  memory.set(key, L.key);
  assert.equal(open(0, 200), 1);
  assert.deepEqual(memory.subarray(L.data, L.data + 200), pt);
  assert.ok(zero(L.key, L.key + 32) && zero(L.keystream, L.keystream + 256));
  assert.ok(zero(L.tag, L.tag + 16), "computed tag wiped after open");
  memory.set(key, L.key), memory.set(ciphertext, L.data);
  memory[L.expectedTag] ^= 1;
  assert.equal(open(0, 200), 0, "a wrong tag does not open");
  assert.deepEqual(memory.subarray(L.data, L.data + 200), ciphertext, "and decrypts nothing");
});

Deno.test("wasm aead: the kernel's keystream is RFC 8439's (2.4.2, counter 1)", () => {
  const kernel = wasmAeadKernel();
  assert.ok(kernel !== undefined);
  const key = chacha20KeyWords(new Uint8Array(32).map((_, i) => i));
  const nonce = fromHex("00:00:00:00:00:00:00:4a:00:00:00:00");
  const text = new TextEncoder().encode(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the " +
      "future, sunscreen would be it.",
  );
  kernel.chacha(key, nonce, 1, text);
  assert.equal(
    toHex(text),
    "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b" +
      "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8" +
      "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736" +
      "5af90bbf74a35be6b40b8eedf2785e42874d",
  );
});

Deno.test("wasm aead: random and truncated datagrams never open, never throw, write nothing", () => {
  const rnd = new SeededBytes(10);
  const aead = new ChaCha20Poly1305(rnd.bytes(32));
  const nonce = rnd.bytes(12), header = rnd.bytes(19), pt = rnd.bytes(300);
  const datagram = new Uint8Array(19 + 300 + 16);
  datagram.set(header);
  aead.sealAfterHeader(nonce, datagram, 19, pt);
  const out = new Uint8Array(2000).fill(0x5a);
  for (let t = 0; t < 2000; t++) {
    const junk = rnd.bytes(rnd.below(1500));
    assert.equal(aead.openAfterHeader(nonce, junk, Math.min(19, junk.length), out), -1);
  }
  for (let n = 0; n < datagram.length; n++) {
    assert.equal(aead.openAfterHeader(nonce, datagram.subarray(0, n), 19, out), -1, `${n} bytes`);
  }
  assert.ok(out.every((b) => b === 0x5a), "nothing written");
  assert.equal(aead.openAfterHeader(nonce, datagram, 19, out), 300, "the whole one opens");
  assert.deepEqual(out.subarray(0, 300), pt);
});
