import assert from "node:assert/strict";
import {
  fromHex,
  NUMBERED_HEADER_SIZE,
  numberedIndex,
  numberedPacket,
  patternBytes,
  sha256Hex,
  toHex,
} from "./payloads.ts";

Deno.test("payloads: numbered packets carry magic, LE index and an index-derived filler", () => {
  const p = numberedPacket(0x01020304, 12);
  assert.equal(toHex(p), "504e554d" + "04030201" + "0c0d0e0f");
  assert.equal(numberedIndex(p), 0x01020304);
  assert.equal(numberedPacket(5, 3).length, NUMBERED_HEADER_SIZE, "never shorter than header");
  const damaged = numberedPacket(9, 40);
  damaged[30] ^= 1;
  assert.equal(numberedIndex(damaged), undefined);
  assert.equal(numberedIndex(new Uint8Array(7)), undefined);
  assert.equal(numberedIndex(patternBytes(64)), undefined);
});

Deno.test("payloads: pattern bytes, hex both ways, sha256", async () => {
  assert.deepEqual(Array.from(patternBytes(4, 250)), [250, 1, 8, 15]);
  assert.equal(toHex(new Uint8Array([0, 15, 16, 255])), "000f10ff");
  assert.deepEqual(fromHex("000F10ff"), new Uint8Array([0, 15, 16, 255]));
  assert.deepEqual(fromHex(""), new Uint8Array());
  assert.equal(fromHex("0"), undefined);
  assert.equal(fromHex("zz"), undefined);
  assert.equal(
    await sha256Hex(new TextEncoder().encode("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  // A view into a larger buffer hashes only its own bytes.
  const big = patternBytes(100);
  assert.equal(await sha256Hex(big.subarray(10, 20)), await sha256Hex(big.slice(10, 20)));
});
