import assert from "node:assert/strict";
import { sha1 } from "./_sha1.ts";
import { encodeBase64 } from "./_base64.ts";
import { SeededRandom } from "../random.ts";

const enc = new TextEncoder();
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

Deno.test("sha1: FIPS 180 vectors", () => {
  assert.equal(hex(sha1(enc.encode("abc"))), "a9993e364706816aba3e25717850c26c9cd0d89d");
  assert.equal(hex(sha1(new Uint8Array(0))), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  assert.equal(
    hex(sha1(enc.encode("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
    "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
  );
});

Deno.test("sha1: matches WebCrypto on lengths around block boundaries and random ones", async () => {
  const rnd = new SeededRandom(7);
  const lengths = [1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000];
  for (let i = 0; i < 30; i++) lengths.push(rnd.nextU32() % 5000);
  for (const length of lengths) {
    const data = new Uint8Array(length);
    rnd.fill(data);
    const expected = new Uint8Array(await crypto.subtle.digest("SHA-1", data));
    assert.deepEqual(sha1(data), expected, `length ${length}`);
  }
});

Deno.test("base64: matches btoa for every remainder", () => {
  const rnd = new SeededRandom(3);
  for (let length = 0; length < 70; length++) {
    const data = rnd.fill(new Uint8Array(length));
    assert.equal(encodeBase64(data), btoa(String.fromCharCode(...data)), `length ${length}`);
  }
});
