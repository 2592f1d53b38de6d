import assert from "node:assert/strict";
import { createCipheriv } from "node:crypto";
import { chacha20Block, chacha20KeyWords, chacha20Xor } from "./chacha20.ts";
import { MultiplayerError } from "../errors.ts";
import { fromHex, SeededBytes, toHex } from "./_test_util.ts";

const SUNSCREEN = new TextEncoder().encode(
  "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the " +
    "future, sunscreen would be it.",
);
const KEY_0_31 = new Uint8Array(32).map((_, i) => i);

Deno.test("chacha20: RFC 8439 block function (2.3.2) and all-zero key block (A.1 #1)", () => {
  const block = chacha20Block(
    chacha20KeyWords(KEY_0_31),
    fromHex("00:00:00:09:00:00:00:4a:00:00:00:00"),
    1,
    new Uint8Array(64),
  );
  assert.equal(
    toHex(block),
    "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e" +
      "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e",
  );
  const zero = chacha20Block(
    chacha20KeyWords(new Uint8Array(32)),
    new Uint8Array(12),
    0,
    new Uint8Array(64),
  );
  assert.equal(
    toHex(zero),
    "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7" +
      "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586",
  );
});

Deno.test("chacha20: RFC 8439 encryption (2.4.2) and the Poly1305 key generation (2.6.2)", () => {
  const nonce = fromHex("00:00:00:00:00:00:00:4a:00:00:00:00");
  const ct = chacha20Xor(chacha20KeyWords(KEY_0_31), nonce, 1, SUNSCREEN, new Uint8Array(114));
  assert.equal(
    toHex(ct),
    "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b" +
      "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8" +
      "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736" +
      "5af90bbf74a35be6b40b8eedf2785e42874d",
  );
  const key = chacha20KeyWords(new Uint8Array(32).map((_, i) => 0x80 + i));
  const block0 = chacha20Block(key, fromHex("000000000001020304050607"), 0, new Uint8Array(64));
  assert.equal(
    toHex(block0.subarray(0, 32)),
    "8ad5a08b905f81cc815040274ab29471a833b637e3fd0da508dbb8e2fdd1a646",
  );
});

Deno.test("chacha20: matches node:crypto (oracle) on random keys, nonces, counters, lengths", () => {
  const rnd = new SeededBytes(0x8439);
  for (let t = 0; t < 300; t++) {
    const key = rnd.bytes(32), nonce = rnd.bytes(12);
    const counter = t % 3 === 0 ? rnd.below(1000) : t % 3 === 1 ? 0xffffffff - 40 : 1;
    const len = t < 150 ? t : rnd.below(2500);
    if (counter + Math.ceil(len / 64) > 2 ** 32) continue;
    const input = rnd.bytes(len);
    const iv = new Uint8Array(16);
    new DataView(iv.buffer).setUint32(0, counter, true);
    iv.set(nonce, 4);
    const want = createCipheriv("chacha20", key, iv).update(input);
    const got = chacha20Xor(chacha20KeyWords(key), nonce, counter, input, new Uint8Array(len));
    assert.equal(toHex(got), toHex(want), `case ${t}: ${len} bytes at counter ${counter}`);
  }
});

Deno.test("chacha20: ranges, offsets, in place; overlaps and bad arguments refused", () => {
  const key = chacha20KeyWords(new Uint8Array(32).fill(3)), nonce = new Uint8Array(12).fill(5);
  const data = new SeededBytes(9).bytes(300);
  const want = chacha20Xor(key, nonce, 7, data, new Uint8Array(300));
  // a sub-range written at an offset equals the same bytes of the whole (counter aligned)
  const part = chacha20Xor(key, nonce, 8, data, new Uint8Array(200), 10, 64, 164);
  assert.deepEqual(part.subarray(10, 110), want.subarray(64, 164));
  // exactly in place
  const buf = data.slice();
  chacha20Xor(key, nonce, 7, buf, buf);
  assert.deepEqual(buf, want);
  const shared = new Uint8Array(400);
  shared.set(data, 0);
  assert.throws(
    () => chacha20Xor(key, nonce, 7, shared.subarray(0, 300), shared, 19),
    MultiplayerError,
  );
  assert.throws(() => chacha20Xor(key, new Uint8Array(8), 0, data, new Uint8Array(300)));
  assert.throws(() => chacha20Xor(key, nonce, 0, data, new Uint8Array(299)), MultiplayerError);
  assert.throws(() => chacha20Xor(key, nonce, 2 ** 32 - 4, data, new Uint8Array(300)));
  assert.throws(() => chacha20Xor(key, nonce, -1, data, new Uint8Array(300)));
  assert.throws(() => chacha20Xor(key, nonce, 0, data, new Uint8Array(300), 0, 5, 4));
  assert.throws(() => chacha20Block(key, nonce, 2 ** 32, new Uint8Array(64)), MultiplayerError);
  assert.throws(() => chacha20Block(key, nonce, 0, new Uint8Array(63)), MultiplayerError);
  assert.throws(() => chacha20KeyWords(new Uint8Array(31)), MultiplayerError);
  // the last counter value is usable; one more block is not
  chacha20Xor(key, nonce, 2 ** 32 - 1, data.subarray(0, 64), new Uint8Array(64));
  assert.throws(() =>
    chacha20Xor(key, nonce, 2 ** 32 - 1, data.subarray(0, 65), new Uint8Array(65))
  );
});
